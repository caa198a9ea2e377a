"""Write the inventory corpus: files shaped the way regional and country offices write them.

Each file is its own office's sheet (language, layout, encoding, date habits, mistakes); its expected outcome,
written by hand from the meaning of the data, is ``NAME.expected.json`` next to it. Run
``python tests/imports/corpus/make_corpus.py`` to rewrite the files (the committed ones must be what it writes:
``tests/imports/test_corpus.py`` checks it). The line numbers the expectations refer to are the physical lines of
a CSV file and the row numbers of a sheet.
"""

# ruff: noqa: RUF001 — the en dashes are what the offices typed

from __future__ import annotations

import csv
import io
import re
import sys
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
EXCEL_EPOCH = date(1899, 12, 30)


def _csv(rows: list[list[str]], delimiter: str, line_end: str) -> str:
    """Rows as Excel writes them: every row padded to the header's width, quoted only when needed."""
    width = max(len(row) for row in rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    for row in rows:
        writer.writerow(row + [""] * (width - len(row)))
    return out.getvalue()


def _serial(day: date) -> str:
    """An Excel serial day number written as text, as some exports do."""
    return str((day - EXCEL_EPOCH).days)


# --- 1. Regional office Dakar: French, ';' UTF-8 with BOM (Excel, French locale), title and note above the header,
# day-first dates, "Total général" at the bottom, the same NGO written three ways, a draft MoU "non signé".
SN_DAKAR = [
    ["INVENTAIRE DES PARTENARIATS — BUREAU RÉGIONAL AFRIQUE DE L'OUEST ET DU CENTRE (DAKAR)"],
    [],
    ["Mis à jour le 14/11/2026 par l'unité Partenariats. Merci de ne pas modifier l'ordre des colonnes."],
    [],
    ["Raison sociale", "Sigle", "Type de partenaire", "Pays", "Intitulé du partenariat", "Modalité",
     "Date de début", "Date de fin", "Point focal", "Courriel du point focal", "Tél. point focal", "Observations"],
    ["Association des Femmes Juristes du Sénégal", "AFJS", "ONG nationale", "Sénégal",
     "Assistance juridique aux victimes de la traite", "MoU signé", "15/01/2022", "14/01/2030", "Awa Ndiaye",
     "awa.ndiaye@afjs.sn", "+221 77 123 45 67", "Partenaire historique"],
    ["ASSOCIATION DES FEMMES JURISTES DU SENEGAL", "AFJS", "ONG nationale", "Senegal",
     "Sensibilisation à la migration sûre — Kolda", "Accord de principe", "", "", "Awa Ndiaye",
     "awa.ndiaye@afjs.sn", "", ""],
    ["Association des femmes juristes du Sénégal.", "AFJS", "ONG nationale", "SENEGAL",
     "Atelier protection des enfants migrants", "atelier ponctuel", "03/05/2024", "03/05/2024", "", "", "", ""],
    ["Université Cheikh Anta Diop de Dakar", "UCAD", "Université", "Sénégal", "Étude sur la migration de retour",
     "MoU signé", "01/09/2019", "31/08/2023", "Pr Mamadou Diouf", "mamadou.diouf@ucad.edu.sn", "",
     "MoU arrivé à échéance, renouvellement à discuter"],
    ["Direction Générale d'Appui aux Sénégalais de l'Extérieur", "DGASE", "Gouvernement", "Sénégal",
     "Dialogue sur la politique migratoire", "Protocole d'accord signé", "12/02/2021", "11/02/2024",
     "Mme Khady Fall", "k.fall@diaspora.gouv.sn", "+221 33 889 00 00", ""],
    ["Caritas Kolda", "", "ONG nationale", "Sénégal", "Réintégration des migrants de retour à Kolda",
     "MoU non signé", "", "", "Ibrahima Sow", "i.sow@caritaskolda.org", "",
     "Projet de MoU envoyé en octobre, pas encore signé"],
    ["Fondation Akwaba", "", "ONG nationale", "Côte d'Ivoire", "Accueil des migrants de retour à Abidjan",
     "accord de principe", "", "", "Koffi Kouassi", "k.kouassi@akwaba.ci", "", ""],
    ["Solidarité Paysanne Kivu", "SPK", "ONG nationale", "RDC", "Stabilisation communautaire au Nord-Kivu",
     "atelier ponctuel", "20/06/2023", "21/06/2023", "", "", "", "Une seule session à Goma"],
    ["Enda Tiers Monde", "ENDA", "ONG internationale", "Sénégal", "Formation des acteurs communautaires",
     "MoU signé", "", "", "Fatou Sarr", "fatou.sarr@enda.sn", "", "MoU à retrouver dans les archives"],
    ["Groupe de Recherche sur les Migrations", "GRM", "Think tank", "Sénégal", "Enquête sur les routes migratoires",
     "MoU signé", "31/02/2024", "30/01/2027", "Dr Cheikh Ba", "c.ba@grm.sn", "", ""],
    ["", "", "ONG nationale", "Sénégal", "Appui psychosocial aux familles de migrants disparus",
     "accord de principe", "", "", "Mariama Diallo", "m.diallo@gmail.com", "", "Nom de l'association à compléter"],
    ["Jeunesse et Développement de Thiès", "JDT", "Organisation communautaire", "", "Emploi des jeunes à Thiès",
     "accord de principe", "", "", "Ousmane Faye", "", "", ""],
    ["Gambia Red Cross Society", "GRCS", "ONG nationale", "Gambie", "Préparation aux catastrophes transfrontalière",
     "atelier ponctuel", "14/10/2024", "15/10/2024", "Lamin Jallow", "ljallow@redcross.gm", "", ""],
    ["Action Jeunesse", "", "Organisation communautaire", "Sénégal", "Caravane de sensibilisation à Tambacounda",
     "accord de principe", "", "", "", "", "", ""],
    ["Action Jeunesse", "", "Organisation communautaire", "Côte d'Ivoire", "Mobilisation communautaire à Daloa",
     "accord de principe", "", "", "", "", "", ""],
    ["Action Jeunesse Ziguinchor", "", "Organisation communautaire", "Sénégal", "Sensibilisation en Casamance",
     "atelier ponctuel", "", "", "", "", "", ""],
    ["Enda Tiers-Monde", "ENDA", "ONG internationale", "Sénégal", "Appui à la réintégration économique",
     "Protocole d'accord signé", "01/03/2023", "28/02/2029", "Fatou Sarr", "fatou.sarr@enda.sn", "", ""],
    [],
    ["Total général : 17 partenariats"],
]  # fmt: skip

# --- 2. Country office Lima: Spanish, ';' UTF-8 with BOM, title and cut-off note, "Totales" with a count.
PE_LIMA = [
    ["MATRIZ DE SOCIOS – OFICINA PAÍS PERÚ"],
    ["Corte al 30/11/2026"],
    ["Nombre de la organización", "Siglas", "Tipo de socio", "País", "Título de la alianza", "Modalidad",
     "Fecha de inicio", "Fecha de finalización", "Persona de contacto", "Correo electrónico", "Teléfono",
     "Comentarios"],
    ["Red de Mujeres del Perú", "REMUP", "ONG nacional", "Perú", "Prevención de la trata en Puno",
     "convenio firmado", "01/04/2023", "31/03/2030", "Rosa Quispe", "rquispe@remup.org.pe", "+51 1 555 0101",
     "Convenio marco"],
    ["RED DE MUJERES DEL PERU", "REMUP", "ONG nacional", "Peru", "Taller de capacitación en Cusco", "taller único",
     "15/08/2024", "16/08/2024", "Rosa Quispe", "rquispe@remup.org.pe", "", ""],
    ["Red de Mujeres Rurales del Perú", "", "ONG nacional", "Perú", "Acompañamiento a retornadas en Ayacucho",
     "compromiso verbal", "", "", "Juana Mamani", "jmamani@mujeresrurales.pe", "", ""],
    ["Universidad Nacional Mayor de San Marcos", "UNMSM", "Universidad", "Perú", "Observatorio de movilidad humana",
     "convenio firmado", "10/01/2018", "09/01/2023", "Dr. Luis Cárdenas", "lcardenas@unmsm.edu.pe", "",
     "Convenio vencido, en renovación"],
    ["Ministerio de la Mujer y Poblaciones Vulnerables", "MIMP", "Gobierno", "Perú",
     "Protocolo de atención a víctimas de trata", "Convenio sin firmar", "", "", "Carla Torres",
     "ctorres@mimp.gob.pe", "", "Borrador enviado al ministerio"],
    ["Fundación Panamericana para el Desarrollo", "FUPAD", "ONG internacional", "Perú",
     "Integración socioeconómica de migrantes venezolanos", "compromiso verbal", "", "", "Andrés Rojas",
     "arojas@fupad.org", "", ""],
    ["Universidad Koç", "", "Universidad", "Turquía", "Intercambio de investigación sobre migración",
     "compromiso verbal", "", "", "Dra. Ayse Demir", "ademir@ku.edu.tr", "", ""],
    ["Cáritas del Perú", "", "ONG nacional", "Perú", "Albergue temporal en Tumbes", "convenio firmado", "", "",
     "Padre Miguel Ángel Ruiz", "", "", "Sin copia del convenio en archivo"],
    ["Transportes Andinos S.A.", "", "Empresa privada", "Perú", "Campaña de información en terminales terrestres",
     "actividad puntual", "12/09/2024", "12/09/2024", "", "", "", ""],
    ["Asociación Venezolanos en Lima", "", "Organización de base comunitaria", "Perú", "Ferias de empleo",
     "compromiso verbal", "15/10/2024", "15/03/2024", "", "", "", ""],
    ["Centro de Estudios Andinos", "CEA", "Centro de pensamiento", "Bolivia", "Estudio sobre migración fronteriza",
     "compromiso verbal", "", "", "", "", "", ""],
    ["CARITAS DEL PERU", "", "ONG nacional", "PERÚ", "Kits de higiene para caminantes", "compromiso verbal", "", "",
     "", "", "", ""],
    ["Totales", "12 socios"],
]  # fmt: skip

# --- 3. Washington office: English, ',' without BOM, month-first dates, a title line, TOTAL, a typo "iformal".
US_WASHINGTON = [
    ["Partnerships inventory - Washington DC office (FY2026)"],
    [],
    ["Organisation name (full)", "Kind of partner", "Country", "Partnership", "Modality", "Agreement starts",
     "Agreement ends", "Contact person", "Contact person e-mail", "Contact phone", "Notes"],
    ["Hope Bridge Ltd", "International NGO", "UK", "Refugee resettlement orientation", "MoU signed", "03/25/2024",
     "03/24/2031", "Sarah Collins", "s.collins@hopebridge.org.uk", "+44 20 7946 0000", ""],
    ["Hope Bridge Limited", "International NGO", "United Kingdom", "Diaspora engagement webinar series",
     "single workshop", "09/17/2024", "09/17/2024", "Sarah Collins", "s.collins@hopebridge.org.uk", "", ""],
    ["HOPE BRIDGE", "International NGO", "UK", "Family reunification counselling", "oral commitment", "", "", "",
     "", "", ""],
    ["Hope Bridges Foundation", "International NGO", "UK", "Youth mentoring programme", "oral commitment", "", "",
     "", "", "", ""],
    ["Georgetown University Institute for the Study of International Migration", "University", "USA",
     "Labor migration research series", "signed memorandum", "08/01/2019", "07/31/2024", "Dr. Katharine Donato",
     "kd@georgetown.edu", "", "MOU lapsed; renewal pending"],
    ["US Committee for Refugees and Immigrants", "National NGO", "USA", "Counter-trafficking hotline referrals",
     "MoU under negotiation", "", "", "Maria Lopez", "mlopez@uscri.org", "(202) 555-0147",
     "Draft with their legal team"],
    ["The Gambia Immigration Department", "Government", "The Gambia", "Border management training",
     "single workshop", "11/04/2024", "11/06/2024", "Lt. Col. Modou Jallow", "", "", ""],
    ["Pacific Links Foundation", "International NGO", "Viet Nam", "Safe migration hotline", "oral commitment", "",
     "", "", "", "", ""],
    ["Catholic Charities of the Archdiocese of Washington", "National NGO", "USA",
     "Legal aid for unaccompanied minors", "iformal", "", "", "", "", "", ""],
    ["Ayuda Inc", "National NGO", "USA", "Immigrant legal clinic", "MoU signed", "02/01/2025", "soon", "", "", "",
     ""],
    ["Tahirih Justice Center", "National NGO", "USA", "Survivor legal services", "signed memorandum", "06/30/2025",
     "01/15/2025", "", "", "", ""],
    ["Atlantis Relief Fund", "International NGO", "Atlantis", "Island evacuation drill", "single workshop", "", "",
     "", "", "", ""],
    ["Migration Policy Institute", "Think tank", "USA", "Policy dialogue on labor pathways", "MoU signed", "", "",
     "Andrew Selee", "aselee@migrationpolicy.org", "", ""],
    ["Migration Policy Institute", "Think tank", "Belgium", "Brussels roundtable on EU pathways", "single workshop",
     "05/14/2024", "05/14/2024", "", "", "", ""],
    ["TOTAL: 14 partners"],
]  # fmt: skip

# --- 4. Bern liaison office: cp1252 (Excel "CSV" on a Western Windows), ';', dotted day-first dates, German
# country names, registration numbers (CHE-…), a legal suffix (e.V.), 31 November.
CH_BERN = [
    ["Partnerships Bern liaison office – Stand 30.11.2026"],
    ["Partner organisation", "Type", "Reg. no.", "Country", "Project", "Modality", "Start", "End", "Focal point",
     "Focal point e-mail"],
    ["Frauenhilfe München e.V.", "NGO", "VR 204711", "Deutschland", "Counselling for migrant women", "MoU signed",
     "01.03.2022", "28.02.2030", "Regula Müller", "r.mueller@frauenhilfe-muenchen.de"],
    ["Frauenhilfe München", "NGO", "", "Deutschland", "Return counselling helpdesk", "letter of intent", "", "",
     "Regula Müller", "r.mueller@frauenhilfe-muenchen.de"],
    ["Schweizerisches Rotes Kreuz", "NGO", "CHE-105.918.296", "Schweiz", "Winter shelter coordination",
     "one-off event", "15.12.2024", "16.12.2024", "Jürg Keller", "juerg.keller@redcross.ch"],
    ["Swiss Red Cross", "NGO", "CHE105918296", "Switzerland", "First aid training for asylum centres", "MoU signed",
     "01.01.2020", "31.12.2023", "", ""],
    ["Université de Genève", "University", "", "Suisse", "Graduate course on migration law", "MoU signed", "", "",
     "Prof. Vincent Chetail", "vincent.chetail@unige.ch"],
    ["Caritas Schweiz", "NGO", "CHE-105.837.468", "Schweiz", "Reintegration support Balkans",
     "MoU under negotiation", "", "", "Béatrice Zürcher", "b.zuercher@caritas.ch"],
    ["Caritas Österreich", "NGO", "", "Österreich", "Reintegration support Balkans (AT)", "letter of intent", "", "",
     "", ""],
    ["Staatssekretariat für Migration", "Government", "", "Schweiz", "Return counselling standards", "signed MoU",
     "01.07.2021", "30.06.2029", "Daniel Bach", "daniel.bach@sem.admin.ch"],
    ["Kizilay", "NGO", "", "Türkei", "Cash assistance pilot", "one-off event", "03.06.2024", "03.06.2024", "", ""],
    ["Helvetas Swiss Intercooperation", "NGO", "CHE-107.201.876", "Schweiz", "Skills partnership Nepal",
     "MoU signed", "31.11.2024", "30.11.2029", "", ""],
    ["Total", "11"],
]  # fmt: skip

# --- 7. A regional office merging two country sheets: ',' without BOM, header on line 1, dates mostly day
# first, two lines from the US sheet month first, one ambiguous date.
MIXED_DATES = [
    ["Org", "Type", "Country", "Title", "Modality", "Start", "End", "Focal pt", "Focal pt email"],
    ["Refugee Action Ltd", "NGO", "UK", "Asylum advice helpline", "MoU signed", "14/02/2023", "13/02/2030",
     "Tom Baker", "tom.baker@refugee-action.org.uk"],
    ["Migration Research Association", "Think tank", "Türkiye", "Survey of seasonal workers", "oral commitment",
     "20/05/2024", "", "", ""],
    ["Encuentros Servicio Jesuita", "NGO", "Peru", "Shelter referral pilot", "single workshop", "18/09/2024",
     "19/09/2024", "", ""],
    ["Hias", "International NGO", "USA", "Resettlement case management", "MoU signed", "10/15/2022", "10/14/2029",
     "Ana Ruiz", "aruiz@hias.org"],
    ["Church World Service", "International NGO", "USA", "Orientation for arriving refugees", "oral commitment",
     "07/22/2024", "", "", ""],
    ["Refugee Action", "NGO", "United Kingdom", "Community sponsorship training", "single workshop", "25/03/2024",
     "26/03/2024", "", ""],
    ["Danish Refugee Council", "International NGO", "Denmark", "Cash assistance coordination", "MoU signed",
     "01/06/2021", "05/04/2027", "", ""],
    ["Caritas Ukraine", "NGO", "Ukraine", "Emergency shelter kits", "MoU signed", "01/03/2018", "28/02/2023", "", ""],
    ["HIAS Inc.", "International NGO", "United States", "Legal orientation programme", "MoU under negotiation", "",
     "", "", ""],
    ["Refugee Action Kingston", "NGO", "UK", "Drop-in centre", "oral commitment", "", "", "", ""],
    ["TOTAL PARTNERS: 10"],
]  # fmt: skip

# --- 8. Nairobi office: ',' without BOM, CRLF, partner and partnership IDs (two multi-actor partnerships),
# registration numbers, dates like "1 Feb 2022", blank lines between sections, a pasted-twice line, TOTAL in the
# ID column.
KE_NAIROBI = [
    ["Partner ID", "Organisation name", "Acronym", "Partner type", "Country", "Registration number",
     "Partnership ID", "Partnership title", "Role", "Modality", "Start date", "End date", "Contact person",
     "Contact email", "Areas of engagement"],
    ["KE-001", "Kituo cha Sheria", "KCS", "NGO", "Kenya", "OP.218/051/99/123", "PA-KE-01",
     "Legal aid for migrant workers", "lead", "MoU signed", "1 Feb 2022", "31 Jan 2030", "Jane Wanjiru",
     "jwanjiru@kituochasheria.or.ke", "Protection of migrants' rights"],
    ["KE-002", "Haki na Sheria Initiative", "HSI", "NGO", "Kenya", "", "PA-KE-01", "Legal aid for migrant workers",
     "co-partner", "MoU signed", "1 Feb 2022", "31 Jan 2030", "Abdullahi Hassan", "ahassan@hakinasheria.org", ""],
    ["KE-003", "Somali Women Development Centre", "SWDC", "NGO", "Somalia", "", "PA-SO-01",
     "Return and reintegration in Mogadishu", "lead", "letter of intent", "", "", "Halima Ali", "halima@swdc.so",
     "AVRR"],
    [],
    ["KE-004", "Kenya Red Cross Society", "KRCS", "NGO", "Kenya", "", "PA-KE-02", "Drought response coordination",
     "lead", "one-off", "14 Mar 2024", "15 Mar 2024", "", "", "Emergency response"],
    ["KE-001", "Kituo Cha Sheria", "KCS", "NGO", "Kenya", "", "PA-KE-03", "Paralegal training in Mombasa", "lead",
     "one-off event", "6 May 2024", "8 May 2024", "", "", ""],
    ["", "Kituo cha Sheria - Legal Advice Centre", "", "NGO", "Kenya", "OP 218 051 99 123", "PA-KE-04",
     "Community legal desks in Nairobi", "lead", "oral commitment", "", "", "", "", ""],
    ["KE-005", "Makerere University", "MAK", "University", "Uganda", "", "PA-UG-01", "Labour migration research",
     "lead", "MoU signed", "1 Jul 2016", "30 Jun 2021", "", "", "Research"],
    ["KE-006", "Refugee Law Project", "RLP", "NGO", "Uganda", "", "PA-UG-01", "Labour migration research",
     "co-partner", "MoU signed", "1 Jul 2016", "30 Jun 2021", "", "", ""],
    ["KE-004", "Kenya Red Cross Society", "KRCS", "NGO", "Kenya", "", "PA-KE-02", "Drought response coordination",
     "lead", "one-off", "14 Mar 2024", "15 Mar 2024", "", "", "Emergency response"],
    [],
    ["KE-007", "Migrant Help", "", "NGO", "UK", "1103240", "PA-KE-05", "Diaspora remittance study", "lead",
     "MoU under negotiation", "", "", "", "", ""],
    ["KE-008", "Migrant Helpline Kenya", "", "NGO", "Kenya", "", "PA-KE-06", "Hotline for domestic workers abroad",
     "lead", "oral commitment", "", "", "", "", ""],
    ["TOTAL", "8 partners"],
]  # fmt: skip


def _west_africa(path: Path) -> None:
    """5. Regional office Dakar's compiled sheet: merged title over the header, a source note, real date cells."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Partners"
    header = ["Org", "Acronym", "Type", "Country", "Partnership title", "Modality", "Start", "MoU end", "Focal pt",
              "Focal pt email"]  # fmt: skip
    sheet["A1"] = "PARTNERSHIP INVENTORY — WEST AND CENTRAL AFRICA (compiled by the Regional Office)"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A2"] = "Source: country office returns, compiled 30 Nov 2026"
    rows = [
        ["Women's Aid Collective", "WAC", "NGO", "Nigeria", "Shelter for trafficking survivors, Edo State",
         "MoU signed", date(2021, 5, 1), date(2029, 4, 30), "Blessing Okafor", "b.okafor@wac.org.ng"],
        ["WOMENS AID COLLECTIVE", "WAC", "NGO", "Nigeria", "Community dialogues in Benin City", "oral commitment",
         None, None, "Blessing Okafor", "b.okafor@wac.org.ng"],
        ["Women's Aid Collective", "WAC", "NGO", "Ghana", "Cross-border referral pilot", "oral commitment", None,
         None, "Ama Mensah", "ama.mensah@wacghana.org"],
        ["Association des Femmes Juristes de Côte d'Ivoire", "AFJCI", "NGO", "Cote d'Ivoire",
         "Legal clinics for returnees", "MoU signed", date(2018, 3, 1), date(2022, 2, 28), "Me Aya Konan",
         "a.konan@afjci.ci"],
        ["Association des Femmes Juristes du Sénégal", "AFJS", "NGO", "Senegal", "Regional legal aid network",
         "formal", date(2023, 6, 1), date(2030, 5, 31), "Awa Ndiaye", "awa.ndiaye@afjs.sn"],
        ["ECOWAS Commission", "ECOWAS", "Regional organisation", "Nigeria", "Free movement protocol dialogue",
         "MoU under negotiation", None, None, "", ""],
        ["Gambia Red Cross Society", "GRCS", "NGO", "The Gambia", "Flood preparedness drills", "single workshop",
         date(2024, 7, 9), date(2024, 7, 10), "Lamin Jallow", "ljallow@redcross.gm"],
        ["University of Ghana – Centre for Migration Studies", "CMS", "University", "Ghana",
         "Joint research on return migration", "MoU signed", None, None, "Prof. Mary Setrana", "msetrana@ug.edu.gh"],
        ["Association des Femmes Juristes de Côte d'Ivoire", "AFJCI", "NGO", "Côte d'Ivoire", "Paralegal training",
         "single workshop", date(2024, 2, 20), date(2024, 2, 22), "", ""],
        ["Sahel Youth Network", "SYN", "CBO", "Niger", "Youth radio programme", "oral commitment", date(2025, 3, 1),
         date(2024, 3, 1), "", ""],
        [None, None, "NGO", "Mali", "Return monitoring in Gao", "oral commitment", None, None, "Moussa Traoré",
         "mtraore@yahoo.fr"],
    ]  # fmt: skip
    for column, text in enumerate(header, start=1):
        sheet.cell(row=4, column=column, value=text).font = Font(bold=True)
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=5 + offset, column=column, value=value)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
    total_row = 5 + len(rows) + 1  # one blank row before the total
    sheet.cell(row=total_row, column=1, value="TOTAL").font = Font(bold=True)
    sheet.cell(row=total_row, column=5, value=len(rows))
    _save(book, path)


def _bangkok(path: Path) -> None:
    """6. Bangkok office's contact list: no partnership title column, dates exported as serial numbers in text."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Contacts export"
    header = ["Organisation", "Type of organisation", "Country", "Modality", "Start date", "End date",
              "Contact name", "Contact email", "Website"]  # fmt: skip
    rows = [
        ["Mekong Migration Network", "NGO", "Thailand", "MoU signed", _serial(date(2022, 7, 1)),
         _serial(date(2030, 6, 30)), "Reiko Harima", "reiko@mekongmigration.org", "www.mekongmigration.org"],
        ["Pacific Links Foundation", "International NGO", "Viet Nam", "oral commitment", "", "", "", "", ""],
        ["Raks Thai Foundation", "NGO", "Thailand", "", "", "", "Somchai Prasert", "somchai@raksthai.org",
         "www.raksthai.org"],
        ["Lao Women's Union", "Other", "Lao PDR", "single workshop", _serial(date(2024, 5, 14)),
         _serial(date(2024, 5, 15)), "", "", ""],
        ["Chulalongkorn University – Asian Research Center for Migration", "University", "Thailand", "MoU signed",
         _serial(date(2017, 1, 1)), _serial(date(2021, 12, 31)), "", "", ""],
        ["UNICEF Thailand", "UN agency", "Thailand", "", "", "", "", "", "www.unicef.org/thailand"],
        ["PACIFIC LINKS FOUNDATION", "International NGO", "Vietnam", "", "", "", "", "", "www.pacificlinks.org"],
        ["Mekong Migration Network", "NGO", "Thailand", "MoU signed", _serial(date(2022, 7, 1)),
         _serial(date(2030, 6, 30)), "Reiko Harima", "reiko@mekongmigration.org", "www.mekongmigration.org"],
        ["Foundation for Migrant Health", "NGO", "", "oral commitment", "", "", "", "", ""],
        ["Stella Maris Seafarers Centre", "NGO", "Thailand", "MoU signed", "", "", "Fr. Colm Flynn",
         "colm@stellamaris.or.th", ""],
        ["Myanmar Red Cross Society", "NGO", "Myanmar", "MoU under negotiation", "", "", "", "", ""],
        ["Thai Labour Solidarity Committee", "CBO", "Thailand", "", _serial(date(2024, 8, 1)),
         _serial(date(2024, 8, 31)), "", "", ""],
    ]  # fmt: skip
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2, min_col=5, max_col=6):
        for cell in cells:
            cell.number_format = "@"  # stored as text, as the export wrote it
    _save(book, path)


def _kampala(path: Path) -> None:
    """7. Kampala sub-office's matrix: a header in two rows (groups in merged cells over the columns), cells that
    say nothing ("N/A", "-", "TBD"), phone cells with labels and an e-mail, periods as end dates, notice periods
    in words, and notes under the table."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Matrix"
    sheet["A1"] = "EAST AFRICA SUB-OFFICE KAMPALA — PARTNER MATRIX (as of November 2026)"
    sheet.merge_cells("A1:L1")
    groups = {"A2:E2": "Organisation", "F2:H2": "Focal point", "I2:L2": "Agreement"}
    for cells, label in groups.items():
        sheet[cells.split(":")[0]] = label
        sheet.merge_cells(cells)
    header = ["Name", "Acronym", "Type", "Country", "Reg. No.", "Name", "E-mail", "Tel.", "Modality", "Start", "End",
              "Notice"]  # fmt: skip
    rows = [
        ["Refugee Law Project", "RLP", "NGO", "Uganda", "REG/2009/114", "Dr. Chris Dolan", "N/A",
         "Tel: +256 414 660 000 / c.dolan@refugeelawproject.org", "signed MoU", date(2022, 1, 15), "Dec 2027",
         "three months"],
        ["REFUGEE LAW PROJECT LTD", "RLP", "NGO", "UGANDA", "REG-2009-114", "Dr. Chris Dolan",
         "c.dolan@refugeelawproject.org", "", "oral commitment", None, None, None],
        ["Makerere University – School of Public Health", "MakSPH", "University", "Uganda", "-", "Prof. Rhoda Wanyenze",
         "rwanyenze@musph.ac.ug", "Mob. 0772 111 222 or 0701 333 444", "MoU signed", date(2019, 7, 1),
         date(2024, 6, 30), "60 days"],
        ["Kyaka II Refugee Welfare Council", "N/A", "CBO", "Uganda", "TBD", "-", "-", "-", "single workshop",
         date(2025, 3, 4), date(2025, 3, 5), "N/A"],
        ["Kenya Red Cross Society", "KRCS", "National Red Cross society", "Kenya", "unknown", "Asha Mohamed",
         "", "asha.mohamed@redcross.or.ke", "MoU signed", date(2024, 5, 1), "2029", "1 month"],
        ["Tanzania Women Lawyers Association", "TAWLA", "NGO", "Tanzania", "", "", "", "", "MoU unsigned", None, None,
         ""],
        ["Tanzania Women Lawyers Assoc.", "TAWLA", "NGO", "Tanzania, United Republic of", "", "Grace Mushi",
         "gmushi@tawla.or.tz", "+255 22 277 2336", "oral commitment", None, None, ""],
        ["South Sudan Youth Forum", "SSYF", "CBO", "Sudan du Sud", "", "", "", "", "formal", date(2026, 3, 1),
         date(2025, 3, 1), "30"],
        ["Juba Returnees Association", "", "CBO", "South Sudan", "", "", "", "", "à préciser", None, None, ""],
    ]  # fmt: skip
    for column, text in enumerate(header, start=1):
        sheet.cell(row=3, column=column, value=text).font = Font(bold=True)
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=4 + offset, column=column, value=value if value != "" else None)
            if isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
    after = 4 + len(rows)  # one blank row, then the notes
    sheet.cell(row=after + 1, column=1, value="Note: end dates written as a month or a year are being checked.")
    sheet.cell(row=after + 2, column=1, value="* Source: partner files held in Kampala")
    _save(book, path)


def _save(book: openpyxl.Workbook, path: Path) -> None:
    """Save with a fixed timestamp so the file is the same bytes each time it is written."""
    from datetime import datetime

    book.properties.creator = "Partnerships unit"
    book.properties.created = datetime(2026, 11, 30, 9, 0, 0)
    book.properties.modified = datetime(2026, 11, 30, 9, 0, 0)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_fixed_zip_times(buffer.getvalue()))


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite the archive with a fixed date on every member (openpyxl stamps the current time)."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2026, 11, 30, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with the time of saving
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-30T09:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


CSV_FILES = {
    "sn_dakar_fr.csv": (SN_DAKAR, ";", "\r\n", "utf-8-sig"),
    "pe_lima_es.csv": (PE_LIMA, ";", "\r\n", "utf-8-sig"),
    "us_washington_en.csv": (US_WASHINGTON, ",", "\n", "utf-8"),
    "ch_bern_cp1252.csv": (CH_BERN, ";", "\r\n", "cp1252"),
    "mixed_dates_en.csv": (MIXED_DATES, ",", "\n", "utf-8"),
    "ke_nairobi_refs.csv": (KE_NAIROBI, ",", "\r\n", "utf-8"),
}
XLSX_FILES = {
    "wa_regional.xlsx": _west_africa,
    "ap_bangkok_serials.xlsx": _bangkok,
    "ug_kampala_grouped.xlsx": _kampala,
}


def write(directory: Path = HERE) -> list[Path]:
    """Write every file of the corpus into ``directory``; return their paths."""
    written = []
    for name, (rows, delimiter, line_end, encoding) in CSV_FILES.items():
        path = directory / name
        path.write_bytes(_csv(rows, delimiter, line_end).encode(encoding))
        written.append(path)
    for name, build in XLSX_FILES.items():
        path = directory / name
        build(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(path)
