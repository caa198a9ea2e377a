// Starts ReDoc on /redoc, from a file of its own so that no inline script is needed.
(function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.openapiUrl, { hideDownloadButton: false }, root);
})();
