# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Deterministic demo data for the two demo organisations.

"Demoforbundet" is a Norwegian trade union with members all over Norway;
"Antenneforeningen Demo" is a Danish antenna association whose households
live in Ringkøbing-Skjern Kommune.

The tables hold real place names and codes; the people, addresses,
telephone numbers and employers are invented.  Every function takes a
`random.Random` instance and never touches the global random state or the
clock, so the same seed and reference date always give the same data.
"""
import datetime
import unicodedata

from stdnum.no import fodselsnummer

# ISO 3166-2:NO codes of the counties after the 2024 reform.
NO_COUNTIES = (
    ('03', "Oslo"),
    ('11', "Rogaland"),
    ('15', "Møre og Romsdal"),
    ('18', "Nordland"),
    ('31', "Østfold"),
    ('32', "Akershus"),
    ('33', "Buskerud"),
    ('34', "Innlandet"),
    ('39', "Vestfold"),
    ('40', "Telemark"),
    ('42', "Agder"),
    ('46', "Vestland"),
    ('50', "Trøndelag"),
    ('55', "Troms"),
    ('56', "Finnmark"),
    )

# (kommunenummer, name, county code), numbering in force from 2024.
NO_MUNICIPALITIES = (
    ('0301', "Oslo", '03'),
    ('1103', "Stavanger", '11'),
    ('1106', "Haugesund", '11'),
    ('1108', "Sandnes", '11'),
    ('1124', "Sola", '11'),
    ('1505', "Kristiansund", '15'),
    ('1506', "Molde", '15'),
    ('1508', "Ålesund", '15'),
    ('1804', "Bodø", '18'),
    ('1806', "Narvik", '18'),
    ('1833', "Rana", '18'),
    ('1865', "Vågan", '18'),
    ('3101', "Halden", '31'),
    ('3103', "Moss", '31'),
    ('3105', "Sarpsborg", '31'),
    ('3107', "Fredrikstad", '31'),
    ('3201', "Bærum", '32'),
    ('3203', "Asker", '32'),
    ('3205', "Lillestrøm", '32'),
    ('3207', "Nordre Follo", '32'),
    ('3209', "Ullensaker", '32'),
    ('3301', "Drammen", '33'),
    ('3303', "Kongsberg", '33'),
    ('3305', "Ringerike", '33'),
    ('3401', "Kongsvinger", '34'),
    ('3403', "Hamar", '34'),
    ('3405', "Lillehammer", '34'),
    ('3407', "Gjøvik", '34'),
    ('3411', "Ringsaker", '34'),
    ('3420', "Elverum", '34'),
    ('3901', "Horten", '39'),
    ('3905', "Tønsberg", '39'),
    ('3907', "Sandefjord", '39'),
    ('3909', "Larvik", '39'),
    ('3911', "Færder", '39'),
    ('4001', "Porsgrunn", '40'),
    ('4003', "Skien", '40'),
    ('4005', "Notodden", '40'),
    ('4202', "Grimstad", '42'),
    ('4203', "Arendal", '42'),
    ('4204', "Kristiansand", '42'),
    ('4601', "Bergen", '46'),
    ('4602', "Kinn", '46'),
    ('4614', "Stord", '46'),
    ('4621', "Voss", '46'),
    ('4627', "Askøy", '46'),
    ('4647', "Sunnfjord", '46'),
    ('5001', "Trondheim", '50'),
    ('5006', "Steinkjer", '50'),
    ('5007', "Namsos", '50'),
    ('5035', "Stjørdal", '50'),
    ('5037', "Levanger", '50'),
    ('5501', "Tromsø", '55'),
    ('5503', "Harstad", '55'),
    ('5530', "Senja", '55'),
    ('5601', "Alta", '56'),
    ('5603', "Hammerfest", '56'),
    ('5605', "Sør-Varanger", '56'),
    ('5607', "Vadsø", '56'),
    )

# Inhabitants in thousands, rounded (about 2024).  Only used as sampling
# weights so that big towns get more members.
NO_MUNICIPALITY_POPULATION = {
    '0301': 717, '1103': 148, '1106': 38, '1108': 83, '1124': 28,
    '1505': 24, '1506': 33, '1508': 59, '1804': 53, '1806': 22,
    '1833': 26, '1865': 10, '3101': 31, '3103': 51, '3105': 58,
    '3107': 85, '3201': 131, '3203': 98, '3205': 92, '3207': 63,
    '3209': 42, '3301': 104, '3303': 28, '3305': 31, '3401': 18,
    '3403': 32, '3405': 29, '3407': 31, '3411': 35, '3420': 22,
    '3901': 27, '3905': 58, '3907': 65, '3909': 48, '3911': 27,
    '4001': 37, '4003': 56, '4005': 13, '4202': 24, '4203': 46,
    '4204': 116, '4601': 291, '4602': 17, '4614': 19, '4621': 16,
    '4627': 30, '4647': 22, '5001': 214, '5006': 24, '5007': 15,
    '5035': 25, '5037': 20, '5501': 78, '5503': 25, '5530': 15,
    '5601': 21, '5603': 11, '5605': 10, '5607': 6,
    }

# (postnummer, poststed, kommunenummer).  Only codes that Posten lists for
# street addresses, so that a street and house number make sense with them.
NO_POSTAL_CODES = (
    ('0150', "Oslo", '0301'), ('0164', "Oslo", '0301'),
    ('0179', "Oslo", '0301'), ('0256', "Oslo", '0301'),
    ('0264', "Oslo", '0301'), ('0355', "Oslo", '0301'),
    ('0368', "Oslo", '0301'), ('0463', "Oslo", '0301'),
    ('0484', "Oslo", '0301'), ('0557', "Oslo", '0301'),
    ('0575', "Oslo", '0301'), ('0660', "Oslo", '0301'),
    ('0678', "Oslo", '0301'), ('0764', "Oslo", '0301'),
    ('0870', "Oslo", '0301'), ('0960', "Oslo", '0301'),
    ('0975', "Oslo", '0301'), ('1164', "Oslo", '0301'),
    ('1279', "Oslo", '0301'),
    ('4005', "Stavanger", '1103'), ('4009', "Stavanger", '1103'),
    ('4014', "Stavanger", '1103'), ('4021', "Stavanger", '1103'),
    ('4024', "Stavanger", '1103'), ('4041', "Hafrsfjord", '1103'),
    ('4077', "Hundvåg", '1103'),
    ('5514', "Haugesund", '1106'), ('5525', "Haugesund", '1106'),
    ('5533', "Haugesund", '1106'),
    ('4306', "Sandnes", '1108'), ('4318', "Sandnes", '1108'),
    ('4310', "Hommersåk", '1108'),
    ('4050', "Sola", '1124'), ('4056', "Tananger", '1124'),
    ('6508', "Kristiansund N", '1505'), ('6512', "Kristiansund N", '1505'),
    ('6411', "Molde", '1506'), ('6415', "Molde", '1506'),
    ('6002', "Ålesund", '1508'), ('6005', "Ålesund", '1508'),
    ('6010', "Ålesund", '1508'), ('6017', "Ålesund", '1508'),
    ('8003', "Bodø", '1804'), ('8006', "Bodø", '1804'),
    ('8009', "Bodø", '1804'), ('8012', "Bodø", '1804'),
    ('8020', "Bodø", '1804'),
    ('8514', "Narvik", '1806'), ('8517', "Narvik", '1806'),
    ('8610', "Mo i Rana", '1833'), ('8613', "Mo i Rana", '1833'),
    ('8300', "Svolvær", '1865'), ('8310', "Kabelvåg", '1865'),
    ('1763', "Halden", '3101'), ('1767', "Halden", '3101'),
    ('1511', "Moss", '3103'), ('1525', "Moss", '3103'),
    ('1530', "Moss", '3103'),
    ('1706', "Sarpsborg", '3105'), ('1710', "Sarpsborg", '3105'),
    ('1712', "Grålum", '3105'),
    ('1604', "Fredrikstad", '3107'), ('1607', "Fredrikstad", '3107'),
    ('1614', "Fredrikstad", '3107'), ('1621', "Gressvik", '3107'),
    ('1632', "Gamle Fredrikstad", '3107'),
    ('1338', "Sandvika", '3201'), ('1352', "Kolsås", '3201'),
    ('1356', "Bekkestua", '3201'), ('1363', "Høvik", '3201'),
    ('1383', "Asker", '3203'), ('1386', "Asker", '3203'),
    ('3440', "Røyken", '3203'),
    ('2000', "Lillestrøm", '3205'), ('2004', "Lillestrøm", '3205'),
    ('2010', "Strømmen", '3205'), ('2020', "Skedsmokorset", '3205'),
    ('1400', "Ski", '3207'), ('1410', "Kolbotn", '3207'),
    ('2040', "Kløfta", '3209'), ('2050', "Jessheim", '3209'),
    ('3011', "Drammen", '3301'), ('3015', "Drammen", '3301'),
    ('3024', "Drammen", '3301'), ('3036', "Drammen", '3301'),
    ('3044', "Drammen", '3301'), ('3050', "Mjøndalen", '3301'),
    ('3611', "Kongsberg", '3303'), ('3615', "Kongsberg", '3303'),
    ('3511', "Hønefoss", '3305'), ('3515', "Hønefoss", '3305'),
    ('2208', "Kongsvinger", '3401'), ('2211', "Kongsvinger", '3401'),
    ('2315', "Hamar", '3403'), ('2317', "Hamar", '3403'),
    ('2319', "Hamar", '3403'), ('2321', "Hamar", '3403'),
    ('2608', "Lillehammer", '3405'), ('2609', "Lillehammer", '3405'),
    ('2614', "Lillehammer", '3405'), ('2618', "Lillehammer", '3405'),
    ('2815', "Gjøvik", '3407'), ('2816', "Gjøvik", '3407'),
    ('2819', "Gjøvik", '3407'),
    ('2380', "Brumunddal", '3411'), ('2390', "Moelv", '3411'),
    ('2406', "Elverum", '3420'), ('2409', "Elverum", '3420'),
    ('3181', "Horten", '3901'), ('3183', "Horten", '3901'),
    ('3110', "Tønsberg", '3905'), ('3116', "Tønsberg", '3905'),
    ('3122', "Tønsberg", '3905'), ('3126', "Tønsberg", '3905'),
    ('3208', "Sandefjord", '3907'), ('3212', "Sandefjord", '3907'),
    ('3216', "Sandefjord", '3907'), ('3222', "Sandefjord", '3907'),
    ('3256', "Larvik", '3909'), ('3264', "Larvik", '3909'),
    ('3290', "Stavern", '3909'),
    ('3120', "Nøtterøy", '3911'), ('3145', "Tjøme", '3911'),
    ('3910', "Porsgrunn", '4001'), ('3915', "Porsgrunn", '4001'),
    ('3950', "Brevik", '4001'),
    ('3711', "Skien", '4003'), ('3714', "Skien", '4003'),
    ('3722', "Skien", '4003'), ('3730', "Skien", '4003'),
    ('3674', "Notodden", '4005'), ('3677', "Notodden", '4005'),
    ('4876', "Grimstad", '4202'), ('4879', "Grimstad", '4202'),
    ('4836', "Arendal", '4203'), ('4842', "Arendal", '4203'),
    ('4848', "Arendal", '4203'),
    ('4608', "Kristiansand S", '4204'), ('4612', "Kristiansand S", '4204'),
    ('4615', "Kristiansand S", '4204'), ('4621', "Kristiansand S", '4204'),
    ('4631', "Kristiansand S", '4204'), ('4640', "Søgne", '4204'),
    ('5003', "Bergen", '4601'), ('5006', "Bergen", '4601'),
    ('5015', "Bergen", '4601'), ('5031', "Bergen", '4601'),
    ('5052', "Bergen", '4601'), ('5068', "Bergen", '4601'),
    ('5096', "Bergen", '4601'), ('5116', "Ulset", '4601'),
    ('5145', "Fyllingsdalen", '4601'), ('5160', "Laksevåg", '4601'),
    ('5179', "Godvik", '4601'), ('5221', "Nesttun", '4601'),
    ('5232', "Paradis", '4601'), ('5253', "Sandsli", '4601'),
    ('6900', "Florø", '4602'), ('6905', "Florø", '4602'),
    ('5411', "Stord", '4614'), ('5415', "Stord", '4614'),
    ('5700', "Voss", '4621'), ('5705', "Voss", '4621'),
    ('5300', "Kleppestø", '4627'), ('5306', "Erdal", '4627'),
    ('6800', "Førde", '4647'), ('6810', "Førde", '4647'),
    ('7010', "Trondheim", '5001'), ('7014', "Trondheim", '5001'),
    ('7018', "Trondheim", '5001'), ('7030', "Trondheim", '5001'),
    ('7033', "Trondheim", '5001'), ('7041', "Trondheim", '5001'),
    ('7049', "Trondheim", '5001'), ('7053', "Ranheim", '5001'),
    ('7072', "Heimdal", '5001'), ('7075', "Tiller", '5001'),
    ('7540', "Klæbu", '5001'),
    ('7711', "Steinkjer", '5006'), ('7713', "Steinkjer", '5006'),
    ('7800', "Namsos", '5007'), ('7803', "Namsos", '5007'),
    ('7500', "Stjørdal", '5035'), ('7502', "Stjørdal", '5035'),
    ('7600', "Levanger", '5037'), ('7604', "Levanger", '5037'),
    ('9006', "Tromsø", '5501'), ('9008', "Tromsø", '5501'),
    ('9011', "Tromsø", '5501'), ('9015', "Tromsø", '5501'),
    ('9020', "Tromsdalen", '5501'), ('9100', "Kvaløysletta", '5501'),
    ('9404', "Harstad", '5503'), ('9406', "Harstad", '5503'),
    ('9411', "Harstad", '5503'),
    ('9300', "Finnsnes", '5530'), ('9308', "Finnsnes", '5530'),
    ('9510', "Alta", '5601'), ('9511', "Alta", '5601'),
    ('9514', "Alta", '5601'),
    ('9600', "Hammerfest", '5603'), ('9602', "Hammerfest", '5603'),
    ('9900', "Kirkenes", '5605'), ('9910', "Bjørnevatn", '5605'),
    ('9800', "Vadsø", '5607'),
    )

# Bokmål and nynorsk names found in many towns, so none points at one
# particular real address.
NO_STREETS = (
    "Storgata", "Kirkegata", "Kirkeveien", "Skolebakken", "Skoleveien",
    "Bjørnstjerne Bjørnsons gate", "Henrik Ibsens gate", "Kongens gate",
    "Dronningens gate", "Prinsens gate", "Jernbanegata", "Torggata",
    "Strandveien", "Fjordveien", "Bakkeveien", "Parkveien", "Solbakken",
    "Solveien", "Granveien", "Furuveien", "Bjørkeveien", "Eikeveien",
    "Lønneveien", "Rognebakken", "Haugeveien", "Åsveien", "Myrveien",
    "Bekkeveien", "Elveveien", "Sjøgata", "Havnegata", "Brugata",
    "Industriveien", "Stasjonsveien", "Idrettsveien", "Prestegårdsveien",
    "Tunveien", "Hageveien", "Blomsterveien", "Rosenveien", "Fjellveien",
    "Utsikten", "Fagerliveien", "Ringveien", "Nordre gate", "Søndre gate",
    "Vestre gate", "Østre gate", "Nedre Storgate", "Øvre Storgate",
    "Kong Oscars gate", "Olav Tryggvasons gate", "Haakon VIIs gate",
    "Munkegata", "Wergelandsveien", "Welhavens gate", "Camilla Colletts vei",
    "Ivar Aasens veg", "Skulevegen", "Kyrkjevegen", "Fjordvegen",
    "Sjøvegen", "Strandvegen", "Bøgata", "Løkkeveien", "Markveien",
    "Tollbugata", "Rådhusgata", "Postveien", "Sykehusveien", "Lyngveien",
    "Lia", "Lyngåsen", "Furulia", "Granlia", "Bjørkelia", "Skogveien",
    "Skogbrynet", "Sandvikveien", "Tårnveien", "Øvre Bakke", "Nordlysveien",
    "Midnattsolveien", "Heiaveien", "Gamle Kongevei",
    )

NO_FIRST_NAMES_FEMALE = (
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit",
    "Astrid", "Bjørg", "Hilde", "Anna", "Solveig", "Marianne", "Randi",
    "Ida", "Nina", "Ragnhild", "Elisabeth", "Kristin", "Bente", "Heidi",
    "Silje", "Hanne", "Gerd", "Tone", "Linda", "Ingeborg", "Turid",
    "Camilla", "Nora", "Emma", "Sofie", "Sara", "Maria", "Julie", "Thea",
    "Ingvild", "Maja", "Ella", "Olivia", "Emilie", "Mari", "Tonje",
    "Karoline", "Wenche", "Gunn", "Torill", "Monica", "Trine", "Grete",
    "Sissel", "Unni", "Elin", "Marte", "Kristine", "Hege", "Siri", "Åse",
    "Guro", "Sigrid", "Frida", "Vilde", "Synnøve", "Åshild", "Mette",
    "Lene", "Helene", "Sunniva", "Tuva", "Aurora", "Margrethe", "Gro",
    )

NO_FIRST_NAMES_MALE = (
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein",
    "Thomas", "Hans", "Geir", "Tor", "Morten", "Terje", "Odd", "Erik",
    "Martin", "Andreas", "Rune", "Trond", "John", "Harald", "Anders",
    "Tore", "Jon", "Kristian", "Olav", "Gunnar", "Stein", "Espen",
    "Daniel", "Magnus", "Jonas", "Henrik", "Einar", "Nils", "Håkon",
    "Sindre", "Eirik", "Marius", "Tobias", "Emil", "Filip", "Jakob",
    "Kasper", "Sander", "Mathias", "Øyvind", "Ståle", "Leif", "Helge",
    "Åge", "Rolf", "Frode", "Dag", "Petter", "Torbjørn", "Vegard",
    "Halvor", "Sigurd", "Aksel", "Johannes", "Ivar", "Kåre", "Jørgen",
    "Steinar", "Asbjørn", "Sverre", "Fredrik", "Christian", "Alexander",
    )

NO_LAST_NAMES = (
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen",
    "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen",
    "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen", "Andreassen",
    "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund",
    "Sørensen", "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand",
    "Solberg", "Svendsen", "Eide", "Knutsen", "Martinsen", "Paulsen",
    "Bakken", "Kristoffersen", "Mathisen", "Lie", "Amundsen", "Nguyen",
    "Rasmussen", "Ali", "Lunde", "Solheim", "Berge", "Moe", "Nygård",
    "Bakke", "Kristensen", "Fredriksen", "Holm", "Lien", "Hauge",
    "Christensen", "Andresen", "Nielsen", "Knudsen", "Evensen", "Sæther",
    "Aas", "Myhre", "Hanssen", "Ahmed", "Haugland", "Thomassen",
    "Sivertsen", "Simonsen", "Danielsen", "Berntsen", "Sandvik", "Rønning",
    "Arnesen", "Antonsen", "Næss", "Vik", "Haug", "Ellingsen", "Thorsen",
    "Edvardsen", "Birkeland", "Isaksen", "Gulbrandsen", "Ruud", "Aasen",
    "Strøm", "Myklebust", "Tangen", "Ødegård", "Eliassen", "Helland",
    "Bøe", "Jenssen", "Aune", "Mikkelsen", "Tveit", "Brekke", "Abrahamsen",
    "Madsen",
    )

# Invented names.  Real organisation numbers all start with 8 or 9; these
# start with 3 so that none can ever address a real company, for example
# as an EHF/PEPPOL receiver, yet all pass the MOD11 check.
NO_EMPLOYERS = (
    ("Fjordlys Energi AS", '372943645'),
    ("Nordlys Sykehus HF", '383756898'),
    ("Vestkyst Verft AS", '334858138'),
    ("Bjørkli Barnehage SA", '372836059'),
    ("Havbruk Nord AS", '367125659'),
    ("Tindefjell Bygg AS", '353566598'),
    ("Elvebakken Omsorgssenter KF", '336330300'),
    ("Solstad Transport AS", '348596918'),
    ("Kystvind Logistikk AS", '359337523'),
    ("Granåsen Sag og Høvleri AS", '335792467'),
    ("Trollheim Mekaniske Verksted AS", '395572253'),
    ("Fjellvik kommune", '339112029'),
    ("Lunde Renhold AS", '373531340'),
    ("Skogheim Hotell AS", '337947867'),
    ("Brattøra Data AS", '394817333'),
    ("Sjøbris Fiskeindustri AS", '398611306'),
    ("Midtfjord Sparebank", '382391829'),
    ("Vidde Kraftlag SA", '337922120'),
    ("Østby Dagligvare AS", '391989095'),
    ("Nordkapp Bussdrift AS", '318285012'),
    ("Sørlandet Rørlegger AS", '339337276'),
    ("Innlandet Trykkeri AS", '354773694'),
    ("Kvitøy Vekst og Attføring AS", '363257011'),
    ("Lysheim Sykehjem KF", '350386033'),
    ("Breivik Elektro AS", '397878066'),
    )

# ISO 3166-2:DK codes.
DK_REGIONS = (
    ('81', "Region Nordjylland"),
    ('82', "Region Midtjylland"),
    ('83', "Region Syddanmark"),
    ('84', "Region Hovedstaden"),
    ('85', "Region Sjælland"),
    )

# (kommunekode, name, region code); the code is zero-padded to four digits
# as in the Danish address register.
DK_MUNICIPALITIES = (
    ('0101', "København", '84'),
    ('0265', "Roskilde", '85'),
    ('0461', "Odense", '83'),
    ('0561', "Esbjerg", '83'),
    ('0657', "Herning", '82'),
    ('0661', "Holstebro", '82'),
    ('0751', "Aarhus", '82'),
    ('0760', "Ringkøbing-Skjern", '82'),
    ('0851', "Aalborg", '81'),
    )

# (postnummer, by, kommunekode).  Danish postal districts may cross
# municipal borders (6880 Tarm and 6973 Ørnhøj do); each is listed under
# the municipality that matters for the demo.
DK_POSTAL_CODES = (
    ('6950', "Ringkøbing", '0760'),
    ('6900', "Skjern", '0760'),
    ('6880', "Tarm", '0760'),
    ('6893', "Hemmet", '0760'),
    ('6920', "Videbæk", '0760'),
    ('6960', "Hvide Sande", '0760'),
    ('6971', "Spjald", '0760'),
    ('6973', "Ørnhøj", '0760'),
    ('6980', "Tim", '0760'),
    ('7400', "Herning", '0657'),
    ('7500', "Holstebro", '0661'),
    ('8000', "Aarhus C", '0751'),
    ('6700', "Esbjerg", '0561'),
    ('5000', "Odense C", '0461'),
    ('9000', "Aalborg", '0851'),
    ('2100', "København Ø", '0101'),
    ('4000', "Roskilde", '0265'),
    )

# The antenna association serves Ringkøbing; a few households are in the
# villages around it.
DK_ASSOCIATION_POSTAL_WEIGHTS = {
    '6950': 70, '6960': 8, '6980': 6, '6900': 6, '6880': 3, '6920': 3,
    '6971': 2, '6973': 1, '6893': 1,
    }

DK_STREETS = (
    "Algade", "Østergade", "Vestergade", "Nørregade", "Søndergade",
    "Bredgade", "Torvet", "Smedegade", "Nygade", "Tværgade", "Parkvej",
    "Skolevej", "Kirkevej", "Stationsvej", "Møllevej", "Engvej", "Birkevej",
    "Bøgevej", "Egevej", "Ahornvej", "Lindevej", "Kastanievej", "Rosenvej",
    "Tulipanvej", "Violvej", "Fasanvej", "Vibevej", "Lærkevej", "Mågevej",
    "Strandvejen", "Fjordvej", "Havnevej", "Klitvej", "Industrivej",
    "Jernbanegade", "Grønnegade", "Solvej", "Højvangen", "Vestervang",
    "Østervang", "Enghavevej", "Mejerivej", "Skovvej", "Åvej", "Holmevej",
    "Kongevej", "Vester Strandvej", "Nørre Ringvej", "Søndervig Landevej",
    )

DK_FIRST_NAMES_FEMALE = (
    "Anne", "Kirsten", "Mette", "Hanne", "Anna", "Helle", "Susanne", "Lene",
    "Maria", "Marianne", "Lone", "Camilla", "Pia", "Louise", "Inge",
    "Bente", "Karen", "Charlotte", "Tina", "Jette", "Ida", "Emma", "Julie",
    "Sofie", "Birgit", "Gitte", "Ulla", "Lotte", "Rikke", "Malene",
    "Katrine", "Signe", "Sanne", "Dorthe", "Tove", "Ellen", "Grethe",
    "Else", "Inger", "Maja", "Freja", "Karin", "Laura", "Line", "Nanna",
    "Mia", "Cecilie", "Christina",
    )

DK_FIRST_NAMES_MALE = (
    "Peter", "Michael", "Jens", "Lars", "Thomas", "Henrik", "Søren",
    "Christian", "Martin", "Jan", "Morten", "Jesper", "Anders", "Niels",
    "Mads", "Hans", "Rasmus", "Per", "Jørgen", "Kim", "Ole", "Erik",
    "Frederik", "Mikkel", "Poul", "Carsten", "Torben", "Kasper", "Steen",
    "Flemming", "Bent", "Kurt", "Jakob", "Allan", "Brian", "Bo", "Claus",
    "Kristian", "Mogens", "Kenneth", "Johannes", "Knud", "Preben", "Svend",
    "Lasse", "Mathias", "Emil", "Oliver", "William", "Lucas",
    )

DK_LAST_NAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen",
    "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Petersen", "Madsen",
    "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
    "Møller", "Mortensen", "Knudsen", "Jakobsen", "Jacobsen", "Mikkelsen",
    "Olesen", "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt",
    "Eriksen", "Holm", "Kristiansen", "Clausen", "Simonsen", "Svendsen",
    "Andreasen", "Jeppesen", "Iversen", "Østergaard", "Jepsen",
    "Vestergaard", "Nissen", "Lauridsen", "Kjær", "Jessen", "Mogensen",
    "Skov", "Karlsen", "Bertelsen", "Søndergaard", "Nørgaard", "Dam",
    "Bach", "Krogh", "Damgaard", "Thygesen", "Kjeldsen", "Lassen", "Friis",
    "Bruun", "Gregersen", "Bak", "Toft", "Brandt",
    )

# RFC 2606 reserves these, so a demo database can never mail anyone.
NO_EMAIL_DOMAINS = ('example.no', 'example.com', 'example.org')
DK_EMAIL_DOMAINS = ('example.dk',)

# Each country spells its own letters in ASCII its own way.
_NO_ASCII = {'æ': 'ae', 'ø': 'o', 'å': 'a'}
_DK_ASCII = {'æ': 'ae', 'ø': 'oe', 'å': 'aa'}

# Danish mobile numbers are allocated in these two-digit blocks.
_DK_MOBILE_PREFIXES = (
    '20', '21', '22', '23', '24', '25', '26', '27', '28', '29', '30',
    '31', '40', '41', '42', '50', '51', '52', '53', '60', '61', '71',
    '81', '91', '92', '93',
    )

# Individual-number ranges of the fødselsnummer and the birth years each
# one encodes, as (first year, last year, first number, last number).
_NO_INDIVIDUAL_RANGES = (
    (1854, 1899, 500, 749),
    (1900, 1999, 0, 499),
    (1940, 1999, 900, 999),
    (2000, 2039, 500, 999),
    )


def _group_postal_codes(rows):
    "Return {municipality code: [(postal code, city), ...]}"
    grouped = {}
    for postal_code, city, municipality in rows:
        grouped.setdefault(municipality, []).append((postal_code, city))
    return grouped


_NO_POSTAL_CODES_BY_MUNICIPALITY = _group_postal_codes(NO_POSTAL_CODES)
_NO_COUNTY_OF_MUNICIPALITY = {
    code: county for code, _, county in NO_MUNICIPALITIES}
_NO_MUNICIPALITY_CODES = tuple(code for code, _, _ in NO_MUNICIPALITIES)
_NO_MUNICIPALITY_WEIGHTS = tuple(
    NO_MUNICIPALITY_POPULATION[code] for code in _NO_MUNICIPALITY_CODES)
_DK_POSTAL_CODE = {row[0]: row for row in DK_POSTAL_CODES}
_DK_REGION_OF_MUNICIPALITY = {
    code: region for code, _, region in DK_MUNICIPALITIES}
_DK_ASSOCIATION_CODES = tuple(DK_ASSOCIATION_POSTAL_WEIGHTS)
_DK_ASSOCIATION_WEIGHTS = tuple(DK_ASSOCIATION_POSTAL_WEIGHTS.values())


def norwegian_fodselsnummer(rng, birth_date, female):
    """Return a valid 11-digit fødselsnummer for birth_date and gender.

    The individual number is drawn from the range that encodes the birth
    century, with an even third digit for women and an odd one for men.
    Individual numbers for which a check digit would be 10 cannot be
    issued, so they are skipped.
    """
    ranges = [
        (low, high) for first_year, last_year, low, high
        in _NO_INDIVIDUAL_RANGES
        if first_year <= birth_date.year <= last_year]
    if not ranges:
        raise ValueError(
            "No fødselsnummer exists for birth year %s" % birth_date.year)
    span = sum(high - low + 1 for low, high in ranges)
    while True:
        offset = rng.randrange(span)
        for low, high in ranges:
            if offset <= high - low:
                individual = low + offset
                break
            offset -= high - low + 1
        # Every range starts on an even number and ends on an odd one, so
        # moving to the right parity never leaves the range.
        if individual % 2 != (0 if female else 1):
            individual ^= 1
        number = birth_date.strftime('%d%m%y') + '%03d' % individual
        check1 = fodselsnummer.calc_check_digit1(number)
        if len(check1) > 1:
            continue
        check2 = fodselsnummer.calc_check_digit2(number + check1)
        if len(check2) > 1:
            continue
        return number + check1 + check2


def _years_before(date, years):
    "Return the same day years earlier, 28 February for 29 February"
    try:
        return date.replace(year=date.year - years)
    except ValueError:
        return date.replace(year=date.year - years, day=28)


def _birth_date(rng, reference_date, min_age, max_age, mode=None):
    """Return a birth date giving an age between min_age and max_age.

    The age is uniform, or triangular around mode when given.
    """
    latest = _years_before(reference_date, min_age)
    # One day after the day the person would turn max_age + 1.
    earliest = _years_before(reference_date, max_age + 1) + datetime.timedelta(
        days=1)
    days = (latest - earliest).days
    if mode is None:
        fraction = rng.random()
    else:
        fraction = (rng.triangular(min_age, max_age + 1, mode) - min_age) / (
            max_age + 1 - min_age)
    return latest - datetime.timedelta(days=min(int(fraction * days), days))


def _member_birth_date(rng, reference_date):
    "Return a birth date from the age profile of a trade union"
    roll = rng.random()
    if roll < 0.03:
        # Apprentices join with their first contract.
        return _birth_date(rng, reference_date, 16, 20)
    elif roll < 0.13:
        return _birth_date(rng, reference_date, 18, 25)
    elif roll < 0.25:
        # Pensioners keep a cheaper membership for life.
        return _birth_date(rng, reference_date, 67, 90, mode=70)
    return _birth_date(rng, reference_date, 20, 66, mode=48)


def _ascii(text, letters):
    """Return text in lowercase ASCII, spelling the national letters as in
    letters and dropping the accents of all others (é becomes e)."""
    text = ''.join(letters.get(c, c) for c in text.lower())
    text = unicodedata.normalize('NFKD', text)
    return ''.join(c for c in text if c.isascii() and not c.isspace())


def _email(rng, first_name, last_name, domains, letters):
    "Return an address on one of domains built from the person's name"
    parts = first_name.split() + last_name.split()
    local = '.'.join(_ascii(part, letters) for part in parts)
    # Common names collide; people then add digits, often a birth year.
    if rng.random() < 0.3:
        local += str(rng.randint(1, 99))
    return '%s@%s' % (local, rng.choice(domains))


def _house_number(rng):
    "Return a house number, low numbers being the most common"
    return min(int(rng.expovariate(1 / 15)) + 1, 180)


def _norwegian_street(rng):
    "Return a Norwegian street address such as 'Kirkeveien 3 B'"
    street = '%s %s' % (rng.choice(NO_STREETS), _house_number(rng))
    if rng.random() < 0.12:
        street += ' ' + rng.choice('ABCD')
    return street


def _danish_street(rng):
    "Return a Danish street address such as 'Algade 12, 1. tv'"
    street = '%s %s' % (rng.choice(DK_STREETS), _house_number(rng))
    if rng.random() < 0.1:
        street += ', %s. %s' % (rng.randint(1, 3), rng.choice(('th', 'tv')))
    return street


def _digits(rng, count):
    return ''.join(str(rng.randrange(10)) for _ in range(count))


def norwegian_person(rng, reference_date):
    """Return a dict describing an invented member of Demoforbundet.

    The keys are 'first_name', 'last_name', 'name', 'female',
    'birth_date', 'fodselsnummer', 'street', 'postal_code', 'city',
    'municipality', 'county', 'email' (None for about 15 %) and 'phone'.
    Ages follow the profile of a trade union as of reference_date, and the
    members live in proportion to the population of the municipalities.
    """
    female = rng.random() < 0.5
    given_names = NO_FIRST_NAMES_FEMALE if female else NO_FIRST_NAMES_MALE
    first_name = rng.choice(given_names)
    # Double given names such as "Anne Marit" are common in Norway.
    if rng.random() < 0.08:
        second = rng.choice(given_names)
        if second != first_name:
            first_name = '%s %s' % (first_name, second)
    last_name = rng.choice(NO_LAST_NAMES)
    birth_date = _member_birth_date(rng, reference_date)
    municipality, = rng.choices(
        _NO_MUNICIPALITY_CODES, _NO_MUNICIPALITY_WEIGHTS)
    postal_code, city = rng.choice(
        _NO_POSTAL_CODES_BY_MUNICIPALITY[municipality])
    email = None
    if rng.random() < 0.85:
        email = _email(
            rng, first_name, last_name, NO_EMAIL_DOMAINS, _NO_ASCII)
    phone = rng.choice('49') + _digits(rng, 7)
    return {
        'first_name': first_name,
        'last_name': last_name,
        'name': '%s %s' % (first_name, last_name),
        'female': female,
        'birth_date': birth_date,
        'fodselsnummer': norwegian_fodselsnummer(rng, birth_date, female),
        'street': _norwegian_street(rng),
        'postal_code': postal_code,
        'city': city,
        'municipality': municipality,
        'county': _NO_COUNTY_OF_MUNICIPALITY[municipality],
        'email': email,
        'phone': '+47 %s %s %s' % (phone[:3], phone[3:5], phone[5:]),
        }


def danish_household(rng, reference_date):
    """Return a dict describing an invented household of the association.

    The keys are 'first_name', 'last_name', 'name' (of the adult who pays),
    'street', 'postal_code', 'city', 'municipality', 'region', 'email'
    (None for about 20 %), 'phone' and 'birth_date' (age 25 to 90 at
    reference_date).
    """
    female = rng.random() < 0.5
    first_name = rng.choice(
        DK_FIRST_NAMES_FEMALE if female else DK_FIRST_NAMES_MALE)
    last_name = rng.choice(DK_LAST_NAMES)
    postal_code, = rng.choices(
        _DK_ASSOCIATION_CODES, _DK_ASSOCIATION_WEIGHTS)
    _, city, municipality = _DK_POSTAL_CODE[postal_code]
    email = None
    if rng.random() < 0.8:
        email = _email(
            rng, first_name, last_name, DK_EMAIL_DOMAINS, _DK_ASCII)
    phone = rng.choice(_DK_MOBILE_PREFIXES) + _digits(rng, 6)
    return {
        'first_name': first_name,
        'last_name': last_name,
        'name': '%s %s' % (first_name, last_name),
        'street': _danish_street(rng),
        'postal_code': postal_code,
        'city': city,
        'municipality': municipality,
        'region': _DK_REGION_OF_MUNICIPALITY[municipality],
        'email': email,
        'phone': '+45 %s %s %s %s' % (
            phone[:2], phone[2:4], phone[4:6], phone[6:]),
        'birth_date': _birth_date(rng, reference_date, 25, 90, mode=55),
        }


def employer(rng):
    "Return a (name, organisation number) pair from NO_EMPLOYERS"
    return rng.choice(NO_EMPLOYERS)
