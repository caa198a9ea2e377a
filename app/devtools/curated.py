"""The curated words of the demo and synthetic portfolios: people, places, causes, names, themes and titles."""

from __future__ import annotations

from app.agreements.models import AgreementKind
from app.organisations.models import OrganisationKind
from app.partnerships.models import InteractionKind, PartyRole
from app.users.models import Role

DEMO_USERS = [
    ("admin@demo.example.org", "Ingrid Solberg", Role.ADMIN),
    ("legal@demo.example.org", "Lucía Fernández", Role.LEGAL_OFFICER),
    ("legal2@demo.example.org", "Kwabena Asante", Role.LEGAL_OFFICER),
    ("pm@demo.example.org", "Jonas Weber", Role.PROJECT_MANAGER),
    ("pm2@demo.example.org", "Priya Raman", Role.PROJECT_MANAGER),
    ("viewer@demo.example.org", "Sam Ortega", Role.VIEWER),
]
DEMO_ADMIN_EMAIL = DEMO_USERS[0][0]
TOKEN_DAYS = 30
ORGANISATION_SIGNATORY = ("Helena Marquez", "Director, Partnerships and Agreements")

# region -> (country code, telephone prefix, cities); first names; family names; adjective for regional bodies
REGIONS: dict[str, tuple[list[tuple[str, str, list[str]]], list[str], list[str], str]] = {
    "East and Horn of Africa": (
        [
            ("KE", "254", ["Nairobi", "Mombasa", "Kisumu"]),
            ("ET", "251", ["Addis Ababa", "Dire Dawa"]),
            ("UG", "256", ["Kampala", "Gulu"]),
            ("DJ", "253", ["Djibouti"]),
            ("TZ", "255", ["Dar es Salaam", "Arusha"]),
        ],
        ["Amina", "Daniel", "Hodan", "Yohannes", "Grace", "Abdi", "Wanjiru", "Tesfaye"],
        ["Otieno", "Mekonnen", "Warsame", "Achieng", "Kiprop", "Haile", "Nakato", "Juma"],
        "East African",
    ),
    "West and Central Africa": (
        [
            ("SN", "221", ["Dakar", "Saint-Louis"]),
            ("NG", "234", ["Lagos", "Kano"]),
            ("NE", "227", ["Niamey", "Agadez"]),
            ("GH", "233", ["Accra", "Kumasi"]),
            ("CM", "237", ["Douala", "Yaoundé"]),
        ],
        ["Aissatou", "Kofi", "Ibrahim", "Mariama", "Chinedu", "Fatoumata", "Yaw", "Ngozi"],
        ["Diallo", "Mensah", "Traoré", "Okafor", "Ndiaye", "Boateng", "Keita", "Adeyemi"],
        "West African",
    ),
    "Middle East and North Africa": (
        [
            ("MA", "212", ["Rabat", "Tangier"]),
            ("TN", "216", ["Tunis", "Sfax"]),
            ("EG", "20", ["Cairo", "Alexandria"]),
            ("JO", "962", ["Amman", "Irbid"]),
            ("LB", "961", ["Beirut", "Tripoli"]),
        ],
        ["Layla", "Omar", "Yasmine", "Karim", "Nour", "Hassan", "Salma", "Rami"],
        ["Haddad", "El Amrani", "Mansour", "Khalil", "Benali", "Saleh", "Farouk", "Nasser"],
        "Mediterranean",
    ),
    "Asia and the Pacific": (
        [
            ("BD", "880", ["Dhaka", "Cox's Bazar"]),
            ("PH", "63", ["Manila", "Cebu"]),
            ("NP", "977", ["Kathmandu", "Pokhara"]),
            ("ID", "62", ["Jakarta", "Makassar"]),
            ("FJ", "679", ["Suva"]),
        ],
        ["Anjali", "Rahim", "Siti", "Joel", "Mei", "Bikash", "Ana", "Kiri"],
        ["Rahman", "Santos", "Gurung", "Wijaya", "Reyes", "Tan", "Chowdhury", "Naidu"],
        "Asia-Pacific",
    ),
    "South America": (
        [
            ("CO", "57", ["Bogotá", "Cúcuta"]),
            ("PE", "51", ["Lima", "Cusco"]),
            ("BR", "55", ["São Paulo", "Boa Vista"]),
            ("EC", "593", ["Quito", "Guayaquil"]),
            ("CL", "56", ["Santiago", "Antofagasta"]),
        ],
        ["Camila", "Mateo", "Valentina", "João", "Lucía", "Diego", "Paula", "Andrés"],
        ["Rodríguez", "Silva", "Quispe", "Gómez", "Herrera", "Pereira", "Castillo", "Morales"],
        "South American",
    ),
    "Central America, North America and the Caribbean": (
        [
            ("GT", "502", ["Guatemala City", "Quetzaltenango"]),
            ("HN", "504", ["Tegucigalpa", "San Pedro Sula"]),
            ("MX", "52", ["Tapachula", "Monterrey"]),
            ("DO", "1 809", ["Santo Domingo"]),
            ("CR", "506", ["San José"]),
        ],
        ["Gabriela", "José", "Marisol", "Luis", "Keisha", "Carlos", "Rosa", "Miguel"],
        ["López", "Hernández", "Castro", "Martínez", "Baptiste", "Ramírez", "Flores", "Thompson"],
        "Mesoamerican",
    ),
    "European Economic Area": (
        [
            ("DE", "49", ["Berlin", "Hamburg"]),
            ("FR", "33", ["Lyon", "Marseille"]),
            ("IT", "39", ["Palermo", "Turin"]),
            ("ES", "34", ["Madrid", "Valencia"]),
            ("NO", "47", ["Oslo", "Bergen"]),
        ],
        ["Sophie", "Lukas", "Giulia", "Pablo", "Émilie", "Jonas", "Clara", "Matteo"],
        ["Müller", "Rossi", "Dubois", "García", "Jansen", "Lindqvist", "Novak", "Moreau"],
        "European",
    ),
    "South-Eastern Europe, Eastern Europe and Central Asia": (
        [
            ("MD", "373", ["Chișinău", "Bălți"]),
            ("KZ", "7", ["Almaty", "Astana"]),
            ("KG", "996", ["Bishkek", "Osh"]),
            ("RS", "381", ["Belgrade", "Niš"]),
            ("GE", "995", ["Tbilisi", "Batumi"]),
        ],
        ["Olena", "Aibek", "Ana", "Nikola", "Dinara", "Giorgi", "Irina", "Emir"],
        ["Kovalenko", "Seitkali", "Petrović", "Beridze", "Popescu", "Hadžić", "Rusu", "Omarov"],
        "Black Sea and Central Asian",
    ),
}

# cause in an organisation's name -> area of engagement it works in
CAUSES = [
    ("Survivor Support", "counter_trafficking"),
    ("Sustainable Return", "assisted_voluntary_return"),
    ("Skills and Learning", "education_training"),
    ("Health on the Move", "migrant_health"),
    ("Safe Mobility", "awareness_raising"),
    ("Migrant Dignity", "migrants_rights"),
    ("Fair Recruitment", "labour_migration"),
    ("Crisis Response", "humanitarian"),
    ("Resilient Communities", "community_development"),
    ("Migration Data", "research_data"),
    ("Migration Governance", "policy_dialogue"),
    ("Inclusion and Integration", "resettlement_integration"),
]
EMBLEMS = [
    "Baobab", "Acacia", "Lantern", "Compass", "Harbour", "Kestrel", "Tamarind", "Mosaic", "Wayfarer", "Lodestar",
    "Sunbird", "Riverstone", "Tidewater", "Juniper", "Marigold", "Sextant", "Meridian", "Cedarline", "Firefly",
    "Kingfisher", "Saffron", "Driftwood", "Palmyra", "Seedling", "Trellis", "Northwind", "Greenway", "Ironwood",
    "Bluewater", "Silverleaf", "Hearthstone", "Weaverbird",
]  # fmt: skip
NAME_TEMPLATES: dict[OrganisationKind, list[str]] = {
    OrganisationKind.INTERNATIONAL_CSO: [
        "{emblem} International", "{emblem} Alliance for {cause}", "Global {emblem} Network for {cause}",
        "{emblem} Federation for {cause}",
    ],
    OrganisationKind.NATIONAL_CSO: [
        "{emblem} Association for {cause}", "{emblem} Migrant Support Society", "{emblem} Legal Aid Centre",
        "{emblem} Society for {cause}",
    ],
    OrganisationKind.COMMUNITY_BASED: [
        "{city} {emblem} Women's Cooperative", "{emblem} Youth Collective of {city}", "{city} Returnees' Circle",
        "{emblem} Fishers' Self-Help Group of {city}",
    ],
    OrganisationKind.INTERGOVERNMENTAL: [
        "Intergovernmental Commission on {cause}", "Interstate Council for {cause}",
        "Intergovernmental Secretariat for {cause}", "Joint Ministerial Conference on {cause}",
    ],
    OrganisationKind.REGIONAL: [
        "{adjective} Regional Forum on {cause}", "{adjective} Platform for {cause}",
        "{adjective} Commission for {cause}", "{adjective} Network of {cause} Agencies",
    ],
    OrganisationKind.ACADEMIC: [
        "{emblem} University of {city}", "{emblem} Institute of Migration Studies", "{emblem} University College",
        "{emblem} School of Public Health",
    ],
    OrganisationKind.THINK_TANK: [
        "{emblem} Institute for {cause} Policy", "{emblem} Policy Lab", "{emblem} Centre for Mobility Research",
        "{emblem} Foresight Group",
    ],
    OrganisationKind.PRIVATE_SECTOR: [
        "{emblem} Logistics Ltd", "{emblem} Recruitment Services", "{emblem} Telecom", "{emblem} Agro Holdings",
        "{emblem} Remittance Services",
    ],
    OrganisationKind.GOVERNMENT: [
        "National Agency for {cause}", "{city} Municipal Office for {cause}", "National Commission for {cause}",
        "Provincial Directorate of Labour, {city}",
    ],
    OrganisationKind.UN_AGENCY: [
        "United Nations Office for {cause}", "United Nations Programme on {cause}", "UN Fund for {cause}",
        "United Nations Centre for {cause}",
    ],
    OrganisationKind.OTHER: [
        "{emblem} Family Foundation", "{city} Interfaith Council", "{emblem} Community Media",
        "{emblem} Diaspora Association",
    ],
}  # fmt: skip
ORGANISATIONS_PER_KIND = 5
CONTACT_TITLES = [
    "Executive Director", "Head of Programmes", "Partnerships Officer", "Country Director", "Legal Adviser",
    "Project Coordinator", "Research Fellow", "Director of Operations", "Protection Officer", "Finance Manager",
]  # fmt: skip
UNREGISTERED_KINDS = {OrganisationKind.INTERGOVERNMENTAL, OrganisationKind.UN_AGENCY, OrganisationKind.GOVERNMENT}

THEMES = {
    "counter_trafficking": [
        "Assistance to survivors of trafficking", "Counter-trafficking referral network",
        "Training of labour inspectors on trafficking indicators",
    ],
    "assisted_voluntary_return": [
        "Reintegration support for returning migrants", "Community-based reintegration",
        "Return counselling for stranded migrants",
    ],
    "education_training": [
        "Capacity building for frontline officials", "Vocational training for young migrants",
        "Teacher training in displacement-affected schools",
    ],
    "migrant_health": [
        "Mobile health clinics on transit routes", "Mental health and psychosocial support",
        "Tuberculosis screening for migrant workers",
    ],
    "awareness_raising": [
        "Safe migration information campaign", "Community radio on irregular migration",
        "Migrant information centre",
    ],
    "migrants_rights": [
        "Legal aid for migrants in detention", "Protection of unaccompanied children",
        "Documentation and civil registration drive",
    ],
    "labour_migration": [
        "Fair recruitment of domestic workers", "Skills partnership for seasonal workers",
        "Pre-employment orientation for migrant workers",
    ],
    "humanitarian": [
        "Emergency shelter after flooding", "Camp coordination and camp management",
        "Disaster risk reduction in coastal districts",
    ],
    "community_development": [
        "Income generation in host communities", "Water points and small infrastructure",
        "Youth employment in border towns",
    ],
    "research_data": [
        "Displacement tracking survey", "Study on remittances and household resilience",
        "Labour market assessment",
    ],
    "policy_dialogue": [
        "Regional consultation on migration governance", "Policy dialogue on climate mobility",
        "National migration policy review",
    ],
    "resettlement_integration": [
        "Pre-departure orientation for refugees", "Language and integration courses",
        "Housing support for resettled families",
    ],
}  # fmt: skip
AREA_ABBREVIATIONS = {
    "counter_trafficking": "CT", "assisted_voluntary_return": "AVR", "education_training": "EDU",
    "migrant_health": "MH", "awareness_raising": "AR", "migrants_rights": "MR", "labour_migration": "LM",
    "humanitarian": "HUM", "community_development": "CD", "research_data": "RD", "policy_dialogue": "PD",
    "resettlement_integration": "RI",
}  # fmt: skip
INTERACTION_NOTES = [
    (InteractionKind.MEETING, "Introductory meeting on {theme}"),
    (InteractionKind.CALL, "Call to agree next steps on {theme}"),
    (InteractionKind.WORKSHOP, "Joint planning workshop on {theme}"),
    (InteractionKind.FIELD_VISIT, "Field visit to {city} with the partner's team"),
    (InteractionKind.CONFERENCE, "Side event at the regional conference on {theme}"),
    (InteractionKind.EVENT, "Joint public event in {city}"),
    (InteractionKind.CORRESPONDENCE, "Exchange of letters on possible cooperation on {theme}"),
    (InteractionKind.JOINT_ACTIVITY, "Joint distribution of information kits in {city}"),
]
AGREEMENT_TITLES = {
    AgreementKind.MOU: "Memorandum of Understanding: {title}",
    AgreementKind.AMENDMENT: "Amendment No. 1 to the MOU: {title}",
    AgreementKind.EXTENSION: "No-cost extension of the MOU: {title}",
    AgreementKind.RENEWAL: "Renewal of the MOU: {title}",
}
DONOR_KINDS = {
    OrganisationKind.PRIVATE_SECTOR,
    OrganisationKind.GOVERNMENT,
    OrganisationKind.INTERGOVERNMENTAL,
    OrganisationKind.UN_AGENCY,
    OrganisationKind.OTHER,
}
OBSERVER_KINDS = {OrganisationKind.REGIONAL, OrganisationKind.THINK_TANK, OrganisationKind.UN_AGENCY}
ROLES_BY_PARTY_COUNT = {
    1: [PartyRole.LEAD_PARTNER],
    2: [PartyRole.LEAD_PARTNER, PartyRole.IMPLEMENTING_PARTNER],
    3: [PartyRole.LEAD_PARTNER, PartyRole.CO_PARTNER, PartyRole.DONOR],
    4: [PartyRole.LEAD_PARTNER, PartyRole.IMPLEMENTING_PARTNER, PartyRole.DONOR, PartyRole.OBSERVER],
}
