// An OpenID provider for the single sign-on tests, and nothing else: `oidc-provider` (the certified Node.js
// implementation) on loopback, started by tests/sso/provider.py. Never use it as a real provider: its login page
// (oidc-provider's development interactions) accepts any password for a known account.
//
// Configured by the environment:
//   PORT                   the loopback port to listen on
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated), POST_LOGOUT_REDIRECT_URIS (comma-separated)
//   ACCOUNTS               JSON: {"login": {"email": ..., "email_verified": true, "name": ..., "groups": [...]}}
//   ID_TOKEN_TTL, SESSION_TTL  seconds (defaults 3600 and 14 days)
//
// Test-only endpoints (loopback, for the test that started it):
//   POST /test-admin/accounts/{login}  JSON body {"groups": [...]} (or any claims) changes an account's claims
//   POST /test-admin/tamper-next-id-token   the next token response carries an ID token whose payload was changed
//                                           (groups set to ["agreements-admins"]) without re-signing it
import { createServer } from 'node:http';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 0);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const split = (value) => (value || '').split(',').map((item) => item.trim()).filter(Boolean);
let tamperNext = false;

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `test-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' };

const configuration = {
  clients: [{
    client_id: process.env.CLIENT_ID || 'agreements',
    client_secret: process.env.CLIENT_SECRET || 'agreements-secret',
    redirect_uris: split(process.env.REDIRECT_URIS),
    post_logout_redirect_uris: split(process.env.POST_LOGOUT_REDIRECT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false, // the ID token carries the scopes' claims (groups), not only the userinfo endpoint
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: {
    IdToken: Number(process.env.ID_TOKEN_TTL || 3600),
    Session: Number(process.env.SESSION_TTL || 14 * 24 * 3600),
  },
  async findAccount(ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...accounts[id] };
      },
    };
  },
  // A first-party client: no consent screen (the grant is made on the spot).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'groups']);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);

provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && tamperNext && ctx.body && ctx.body.id_token) {
    tamperNext = false;
    const [header, payload, signature] = ctx.body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.groups = ['agreements-admins'];
    ctx.body = { ...ctx.body, id_token: [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.') };
  }
});

const handle = provider.callback();

function readJson(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { try { resolve(body ? JSON.parse(body) : {}); } catch (error) { reject(error); } });
  });
}

const server = createServer(async (req, res) => {
  const admin = req.url.match(/^\/test-admin\/accounts\/([^/?]+)$/);
  if (req.method === 'POST' && admin) {
    const login = decodeURIComponent(admin[1]);
    accounts[login] = { ...(accounts[login] || {}), ...(await readJson(req)) };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(accounts[login]));
    return;
  }
  if (req.method === 'POST' && req.url === '/test-admin/tamper-next-id-token') {
    tamperNext = true;
    res.writeHead(204);
    res.end();
    return;
  }
  handle(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(`test OpenID provider listening on ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
