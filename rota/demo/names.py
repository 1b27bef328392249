"""Names, streets and places for the demo ISP's customers, in Poland and in Brazil.

Towns carry real municipality codes (TERYT for Poland, IBGE for Brazil) and their postal
code ranges; the population weights only make big cities more frequent. E-mail domains
are under example.* so no generated address can reach anyone.
"""

from __future__ import annotations

from typing import NamedTuple


class Town(NamedTuple):
    """A place customers live in: postal codes are drawn from `postal` (first, last)."""

    name: str
    postal: tuple[int, int]
    municipality_code: str
    rural: bool
    weight: int
    phone_area: str = ""


class Country(NamedTuple):
    """Everything the generator needs to invent customers of one country."""

    male_first: tuple[str, ...]
    female_first: tuple[str, ...]
    surnames: tuple[str, ...]
    towns: tuple[Town, ...]
    streets: tuple[str, ...]
    company_words: tuple[str, ...]
    trades: tuple[str, ...]
    company_patterns: tuple[str, ...]
    mail_domains: tuple[str, ...]
    company_mailbox: tuple[str, ...]
    company_domain: str
    suspension_reasons: tuple[str, ...]
    business_suspension_reasons: tuple[str, ...]
    non_payment_reason: str
    other_notes: tuple[str, ...]
    business_other_notes: tuple[str, ...]


PL = Country(
    male_first=(
        "Jan", "Andrzej", "Piotr", "Krzysztof", "Stanisław", "Tomasz", "Paweł", "Józef",
        "Marcin", "Marek", "Michał", "Grzegorz", "Jerzy", "Tadeusz", "Adam", "Łukasz",
        "Zbigniew", "Ryszard", "Dariusz", "Henryk", "Mariusz", "Kazimierz", "Wojciech",
        "Robert", "Mateusz", "Marian", "Rafał", "Jacek", "Janusz", "Mirosław", "Maciej",
        "Sławomir", "Jarosław", "Kamil", "Wiesław", "Roman", "Władysław", "Jakub", "Artur",
        "Zdzisław", "Edward", "Damian", "Dawid", "Przemysław", "Sebastian", "Czesław",
        "Leszek", "Daniel", "Waldemar", "Bartosz", "Szymon", "Filip", "Kacper", "Antoni",
        "Igor", "Hubert", "Patryk", "Dominik", "Krystian", "Konrad",
    ),
    female_first=(
        "Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa",
        "Krystyna", "Elżbieta", "Magdalena", "Joanna", "Zofia", "Aleksandra", "Monika",
        "Teresa", "Danuta", "Natalia", "Karolina", "Marta", "Beata", "Dorota", "Halina",
        "Jadwiga", "Janina", "Alicja", "Irena", "Grażyna", "Jolanta", "Iwona", "Paulina",
        "Justyna", "Bożena", "Urszula", "Renata", "Agata", "Sylwia", "Helena", "Patrycja",
        "Julia", "Weronika", "Zuzanna", "Wiktoria", "Oliwia", "Emilia", "Kinga", "Izabela",
        "Hanna", "Lena", "Kamila", "Ewelina",
    ),
    # Male forms; feminine_surname() gives Kowalska for Kowalski, Nowak stays Nowak.
    surnames=(
        "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
        "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
        "Wojciechowski", "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski",
        "Zając", "Pawłowski", "Michalski", "Król", "Nowakowski", "Wieczorek", "Wróbel",
        "Jabłoński", "Wróblewski", "Majewski", "Olszewski", "Stępień", "Jaworski",
        "Malinowski", "Dudek", "Adamczyk", "Górski", "Nowicki", "Pawlak", "Sikora",
        "Witkowski", "Rutkowski", "Walczak", "Baran", "Michalak", "Szewczyk", "Ostrowski",
        "Tomaszewski", "Pietrzak", "Duda", "Zalewski", "Wasilewski", "Jasiński", "Marciniak",
        "Sadowski", "Bąk", "Zawadzki", "Jakubowski", "Wilk", "Chmielewski", "Włodarczyk",
        "Borkowski", "Sokołowski", "Szczepański", "Sawicki", "Lis", "Kucharski", "Kalinowski",
        "Wysocki", "Mazurek", "Kubiak", "Maciejewski", "Czarnecki", "Kołodziej", "Urbański",
        "Kaźmierczak", "Sobczak", "Głowacki", "Zakrzewski", "Krajewski", "Krupa", "Adamski",
        "Laskowski", "Ziółkowski", "Gajewski", "Szulc", "Mróz", "Brzeziński", "Makowski",
        "Przybylski", "Czerwiński", "Kaczor", "Gołębiowski", "Kasprzak", "Sowa", "Cieślak",
    ),
    towns=(
        Town("Warszawa", (1, 4999), "1465011", False, 180),
        Town("Kraków", (30001, 31999), "1261011", False, 80),
        Town("Łódź", (90001, 94999), "1061011", False, 66),
        Town("Wrocław", (50001, 54999), "0264011", False, 67),
        Town("Poznań", (60001, 61999), "3064011", False, 53),
        Town("Gdańsk", (80001, 80999), "2261011", False, 47),
        Town("Gdynia", (81001, 81999), "2262011", False, 24),
        Town("Szczecin", (70001, 71999), "3262011", False, 39),
        Town("Bydgoszcz", (85001, 85999), "0461011", False, 33),
        Town("Toruń", (87100, 87100), "0463011", False, 20),
        Town("Lublin", (20001, 20999), "0663011", False, 33),
        Town("Białystok", (15001, 15999), "2061011", False, 29),
        Town("Katowice", (40001, 40999), "2469011", False, 28),
        Town("Gliwice", (44100, 44100), "2466011", False, 17),
        Town("Sosnowiec", (41200, 41200), "2475011", False, 19),
        Town("Częstochowa", (42200, 42200), "2464011", False, 21),
        Town("Rzeszów", (35001, 35999), "1863011", False, 20),
        Town("Kielce", (25001, 25999), "2661011", False, 18),
        Town("Olsztyn", (10001, 10999), "2862011", False, 17),
        Town("Elbląg", (82300, 82300), "2861011", False, 11),
        Town("Opole", (45001, 45999), "1661011", False, 13),
        Town("Zielona Góra", (65001, 65999), "0862011", False, 14),
        Town("Gorzów Wielkopolski", (66400, 66400), "0861011", False, 12),
        Town("Radom", (26600, 26600), "1463011", False, 20),
        Town("Płock", (9400, 9400), "1462011", False, 12),
        Town("Tarnów", (33100, 33100), "1263011", False, 11),
        Town("Koszalin", (75001, 75999), "3261011", False, 11),
        Town("Pruszków", (5800, 5800), "1421021", False, 6),
        Town("Piaseczno", (5500, 5500), "1418044", False, 5),
        Town("Konstancin-Jeziorna", (5520, 5520), "1418024", False, 2),
        # Villages in rural gminas (TERYT type 2), mostly around Warsaw: the ISP's own turf.
        Town("Mysiadło", (5500, 5500), "1418032", True, 25),
        Town("Nowa Iwiczna", (5500, 5500), "1418032", True, 25),
        Town("Lesznowola", (5506, 5506), "1418032", True, 25),
        Town("Prażmów", (5505, 5505), "1418052", True, 25),
        Town("Raszyn", (5090, 5090), "1421062", True, 25),
        Town("Falenty", (5090, 5090), "1421062", True, 25),
        Town("Komorów", (5806, 5806), "1421042", True, 25),
        Town("Michałowice", (5816, 5816), "1421042", True, 25),
        Town("Nadarzyn", (5830, 5830), "1421052", True, 25),
        Town("Młochów", (5831, 5831), "1421052", True, 25),
        Town("Łąck", (9520, 9520), "1419072", True, 25),
        Town("Słupno", (9472, 9472), "1419122", True, 25),
        Town("Gromadka", (59706, 59706), "0201032", True, 25),
    ),
    streets=(
        "ul. Polna", "ul. Lipowa", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Szkolna",
        "ul. Ogrodowa", "ul. Łąkowa", "ul. Brzozowa", "ul. Kwiatowa", "ul. Kościelna",
        "ul. Sosnowa", "ul. Zielona", "ul. Parkowa", "ul. Akacjowa", "ul. Kolejowa",
        "ul. Mickiewicza", "ul. Słowackiego", "ul. Kościuszki", "ul. Sienkiewicza",
        "ul. Jana Pawła II", "ul. Długa", "ul. Wiśniowa", "ul. Dworcowa", "ul. Klonowa",
        "ul. Wrzosowa", "ul. Spacerowa", "ul. Prusa", "ul. Reymonta", "ul. 3 Maja",
        "ul. Chopina", "ul. Konopnickiej", "ul. Żeromskiego", "ul. Kasztanowa",
        "ul. Jesionowa", "ul. Południowa", "ul. Graniczna", "ul. Rynek",
        "al. Niepodległości", "al. Wojska Polskiego", "ul. Piłsudskiego", "ul. Warszawska",
        "ul. Krakowska", "ul. Poznańska", "ul. Nowa", "ul. Cicha", "ul. Kopernika",
    ),
    company_words=(
        "Agro", "Bud", "Eko", "Euro", "Inter", "Med", "Net", "Pol", "Tech", "Trans", "Max",
        "Mar", "Stal", "Drew", "Elektro", "Auto", "Farm", "Data", "Vita", "Kom",
    ),
    trades=(
        "Usługi Remontowe", "Usługi Transportowe", "Usługi Informatyczne", "Biuro Rachunkowe",
        "Zakład Fryzjerski", "Warsztat Samochodowy", "Gabinet Stomatologiczny",
        "Kancelaria Prawna", "Pracownia Projektowa", "Sklep Spożywczy", "Piekarnia",
        "Kwiaciarnia", "Hurtownia Budowlana", "Apteka", "Studio Fotograficzne",
    ),
    company_patterns=(
        "{word}{word2} sp. z o.o.",
        "{word}-{surname} sp. z o.o.",
        "{surname} i {surname2} s.c.",
        "{first} {surname} {trade}",
        "P.H.U. {surname}",
        "{trade} {surname} s.c.",
        "{surname} i Wspólnicy sp.k.",
        "{word}{word2} S.A.",
        "{word}{word2} sp. z o.o. sp.k.",
    ),
    mail_domains=("poczta.example.pl", "mail.example.pl", "example.com", "example.net"),
    company_mailbox=("biuro", "kontakt", "sekretariat", "info"),
    company_domain="example.pl",
    suspension_reasons=(
        "Wyjazd za granicę", "Remont mieszkania", "Przerwa sezonowa (domek letniskowy)",
        "Pobyt w szpitalu", "Na wniosek klienta",
    ),
    business_suspension_reasons=(
        "Sezonowe zamknięcie lokalu", "Remont biura", "Zawieszenie działalności",
    ),
    non_payment_reason="Zaległe płatności",
    other_notes=(
        "Wyjazd za granicę na stałe",
        "Korzysta wyłącznie z internetu w telefonie",
        "Budynek przeznaczony do rozbiórki",
        "Łączy usługi u jednego operatora z telewizją",
    ),
    business_other_notes=(
        "Likwidacja firmy",
        "Przejęcie przez inną spółkę, umowa centralna",
        "Firma przeniosła się do biura z łączem od zarządcy budynku",
    ),
)  # fmt: skip

BR = Country(
    male_first=(
        "José", "João", "Antônio", "Francisco", "Carlos", "Paulo", "Pedro", "Lucas", "Luiz",
        "Marcos", "Luís", "Gabriel", "Rafael", "Daniel", "Marcelo", "Bruno", "Eduardo",
        "Felipe", "Raimundo", "Rodrigo", "Gustavo", "Thiago", "Matheus", "Leonardo",
    ),
    female_first=(
        "Maria", "Ana", "Francisca", "Antônia", "Adriana", "Juliana", "Márcia", "Fernanda",
        "Patrícia", "Aline", "Sandra", "Camila", "Amanda", "Bruna", "Jéssica", "Letícia",
        "Júlia", "Luciana", "Vanessa", "Mariana", "Beatriz", "Larissa", "Gabriela",
    ),
    surnames=(
        "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira",
        "Lima", "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes",
        "Soares", "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade",
        "Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas", "Cardoso", "Teixeira",
    ),
    towns=(
        Town("São Paulo", (1000, 5999), "3550308", False, 120, "11"),
        Town("Rio de Janeiro", (20000, 23799), "3304557", False, 67, "21"),
        Town("Brasília", (70000, 72799), "5300108", False, 30, "61"),
        Town("Salvador", (40000, 42599), "2927408", False, 29, "71"),
        Town("Fortaleza", (60000, 61599), "2304400", False, 27, "85"),
        Town("Belo Horizonte", (30000, 31999), "3106200", False, 25, "31"),
        Town("Manaus", (69000, 69099), "1302603", False, 22, "92"),
        Town("Curitiba", (80000, 82999), "4106902", False, 19, "41"),
        Town("Recife", (50000, 52999), "2611606", False, 16, "81"),
        Town("Goiânia", (74000, 74899), "5208707", False, 15, "62"),
        Town("Porto Alegre", (90000, 91999), "4314902", False, 14, "51"),
        Town("Belém", (66000, 66999), "1501402", False, 13, "91"),
        Town("Guarulhos", (7000, 7399), "3518800", False, 13, "11"),
        Town("Campinas", (13000, 13139), "3509502", False, 12, "19"),
        Town("São Luís", (65000, 65109), "2111300", False, 11, "98"),
        Town("Maceió", (57000, 57099), "2704302", False, 10, "82"),
        Town("Campo Grande", (79000, 79129), "5002704", False, 9, "67"),
        Town("Natal", (59000, 59159), "2408102", False, 8, "84"),
        Town("Teresina", (64000, 64099), "2211001", False, 9, "86"),
        Town("João Pessoa", (58000, 58099), "2507507", False, 8, "83"),
        Town("Florianópolis", (88000, 88099), "4205407", False, 5, "48"),
        Town("Joinville", (89200, 89239), "4209102", False, 6, "47"),
        Town("Londrina", (86000, 86099), "4113700", False, 6, "43"),
        Town("Ribeirão Preto", (14000, 14114), "3543402", False, 7, "16"),
        Town("Uberlândia", (38400, 38415), "3170206", False, 7, "34"),
        Town("Sorocaba", (18000, 18109), "3552205", False, 7, "15"),
        Town("Niterói", (24000, 24399), "3303302", False, 5, "21"),
        Town("Santos", (11000, 11099), "3548500", False, 4, "13"),
        Town("Vitória", (29000, 29099), "3205309", False, 3, "27"),
        Town("Cuiabá", (78000, 78109), "5103403", False, 6, "65"),
        Town("Aracaju", (49000, 49099), "2800308", False, 6, "79"),
    ),
    streets=(
        "Rua das Flores", "Rua São Paulo", "Avenida Brasil", "Rua Sete de Setembro",
        "Rua XV de Novembro", "Rua Tiradentes", "Rua Dom Pedro II", "Avenida Getúlio Vargas",
        "Rua Santos Dumont", "Rua Rui Barbosa", "Rua Marechal Deodoro", "Rua Duque de Caxias",
        "Rua das Palmeiras", "Rua da Paz", "Rua Bahia", "Rua Minas Gerais", "Rua Amazonas",
        "Avenida Presidente Vargas", "Rua Castro Alves", "Rua José de Alencar",
        "Rua Quinze de Agosto", "Travessa São José", "Rua Boa Vista", "Rua da Liberdade",
    ),
    company_words=(
        "Agro", "Tec", "Nova", "Sul", "Norte", "Brasil", "Max", "Vida", "Solar", "Real",
        "Prime", "Center", "Log", "Serv", "Info", "Med",
    ),
    trades=(
        "Comércio de Alimentos", "Materiais de Construção", "Contabilidade", "Advocacia",
        "Clínica Odontológica", "Auto Peças", "Padaria", "Farmácia", "Transportes",
        "Informática", "Salão de Beleza", "Papelaria",
    ),
    company_patterns=(
        "{word}{word2} Ltda",
        "{trade} {surname} Ltda",
        "{surname} & {surname2} Ltda",
        "{first} {surname} ME",
        "{word}{word2} Serviços Ltda",
        "{trade} {word}{word2} EPP",
        "{word}{word2} S.A.",
    ),
    mail_domains=("correio.example.com.br", "email.example.com.br", "example.com", "example.net"),
    company_mailbox=("contato", "financeiro", "atendimento", "adm"),
    company_domain="example.com.br",
    suspension_reasons=(
        "Viagem ao exterior", "Reforma do imóvel", "Casa de veraneio fora de temporada",
        "Internação hospitalar", "A pedido do cliente",
    ),
    business_suspension_reasons=(
        "Fechamento sazonal", "Reforma do escritório", "Atividades suspensas",
    ),
    non_payment_reason="Inadimplência",
    other_notes=(
        "Mudança definitiva para o exterior",
        "Passou a usar só a internet do celular",
        "Imóvel será demolido",
    ),
    business_other_notes=(
        "Encerramento das atividades da empresa",
        "Empresa incorporada por outro grupo, contrato centralizado",
    ),
)  # fmt: skip


def feminine_surname(surname: str) -> str:
    """Return the form a woman bears: Kowalski -> Kowalska, Nowak stays Nowak."""
    return surname[:-1] + "a" if surname.endswith("ki") else surname


def names_of(country: str) -> Country:
    """Return the name data of an installation's country (Polish unless Brazilian)."""
    return BR if country == "BR" else PL
