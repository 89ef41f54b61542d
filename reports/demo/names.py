"""Vocabulary for the demo company: Russian and English names that read like real ones."""

from __future__ import annotations

import functools
import random

REGIONS = [
    ("CENTER", "Moscow & Centre"),
    ("URALS", "Urals"),
    ("NORTHWEST", "North-West"),
]

INDUSTRIES = [
    ("METAL", "Metallurgy"),
    ("CHEM", "Chemicals"),
    ("OILGAS", "Oil & gas"),
    ("CONSTR", "Construction"),
    ("FOOD", "Food processing"),
    ("MACH", "Machine building"),
    ("PHARMA", "Pharmaceuticals"),
    ("LOGIST", "Logistics"),
]

# (code, name, active): what we sell. The inactive one was discontinued a year ago, so it
# only has old revenue — category penetration must ignore it.
CATEGORIES = [
    ("BEAR", "Bearings", True),
    ("LUBR", "Lubricants", True),
    ("HYDR", "Hydraulics", True),
    ("PNEU", "Pneumatics", True),
    ("FAST", "Fasteners", True),
    ("TOOL", "Power tools", True),
    ("WELD", "Welding equipment", True),
    ("SAFE", "Safety equipment", True),
    ("ELEC", "Electrical components", True),
    ("PUMP", "Pumps and valves", True),
    ("SERV", "Maintenance services", True),
    ("FILT", "Filters (discontinued)", False),
]

DISTRIBUTORS = [
    ("D-01", "ООО «ПромСнаб»", "CENTER"),
    ("D-02", "АО «УралТехКомплект»", "URALS"),
    ("D-03", "ООО «Балтийская Снабженческая Компания»", "NORTHWEST"),
    ("D-04", "Euro Industrial Supply GmbH", None),
    ("D-05", "ООО «СибМеталлТорг»", "URALS"),
    ("D-06", "TransAsia Distribution LLC", "CENTER"),
]

# Each person's language and time zone for e-mails and notifications (the pages follow the
# browser): the Russian team in Russian on their regions' clocks, James in English.
USER_LOCALES = {
    "admin": ("en", "Europe/Moscow"),
    "s.volkov": ("ru", "Europe/Moscow"),
    "a.ivanova": ("ru", "Europe/Moscow"),
    "d.petrov": ("ru", "Europe/Moscow"),
    "e.smirnova": ("ru", "Asia/Yekaterinburg"),
    "j.miller": ("en", "Europe/London"),
}

# username, first, last, role, region code (KAMs only)
USERS = [
    ("admin", "Admin", "KAM", "admin", None),
    ("s.volkov", "Сергей", "Волков", "head", None),
    ("a.ivanova", "Анна", "Иванова", "kam", "CENTER"),
    ("d.petrov", "Дмитрий", "Петров", "kam", "CENTER"),
    ("e.smirnova", "Елена", "Смирнова", "kam", "URALS"),
    ("j.miller", "James", "Miller", "kam", "NORTHWEST"),
]
PASSWORDS = {"admin": "admin-demo-2025", "head": "head-demo-2025", "kam": "kam-demo-2025"}

_RU_FORMS = ["ООО", "АО", "ПАО", "ООО", "ООО"]
_RU_LEGAL = {
    "ООО": "Общество с ограниченной ответственностью",
    "АО": "Акционерное общество",
    "ПАО": "Публичное акционерное общество",
}
_RU_ROOTS = [
    "Север", "Урал", "Волга", "Сибирь", "Балт", "Дон", "Кама", "Енисей", "Ангара", "Алтай",
    "Печора", "Ока", "Нева", "Байкал", "Тайга", "Восток", "Полюс", "Вятка", "Амур", "Обь",
]  # fmt: skip
_RU_SUFFIXES = [
    "сталь", "хим", "энерго", "строй", "маш", "пром", "агро", "нефть", "лес", "транс",
    "металл", "фарм", "тех", "продукт", "цемент", "стекло",
]  # fmt: skip
_RU_TAILS = ["", "", "", "-Трейд", "-Холдинг", "-Сервис", "-Инвест", " Групп"]
_EN_ROOTS = [
    "Acme", "Northwind", "Globex", "Initech", "Vertex", "Summit", "Pioneer", "Atlas",
    "Orion", "Zenith", "Keystone", "Harbor", "Sterling", "Meridian", "Evergreen", "Falcon",
]  # fmt: skip
_EN_NOUNS = [
    "Industrial", "Logistics", "Chemicals", "Energy", "Foods", "Pharma", "Steel", "Systems",
    "Materials", "Machinery", "Engineering", "Packaging",
]  # fmt: skip
_EN_FORMS = ["Ltd", "GmbH", "Inc.", "LLC", "AG", "B.V."]
_CITIES = [
    "Москва", "Екатеринбург", "Санкт-Петербург", "Пермь", "Челябинск", "Тула", "Калуга",
    "Тверь", "Мурманск", "Тюмень", "Вологда", "Псков",
]  # fmt: skip

_RU_MALE_FIRST = ["Александр", "Дмитрий", "Сергей", "Андрей", "Алексей", "Михаил", "Игорь",
                  "Николай", "Павел", "Виктор", "Олег", "Юрий"]  # fmt: skip
_RU_FEMALE_FIRST = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Мария", "Светлана",
                    "Анна", "Екатерина", "Юлия"]  # fmt: skip
_RU_LAST = ["Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков", "Морозов",
            "Волков", "Алексеев", "Степанов", "Павлов", "Семёнов", "Голубев", "Орлов",
            "Фёдоров", "Макаров"]  # fmt: skip
_EN_FIRST = ["John", "Emma", "Michael", "Sophie", "David", "Laura", "Thomas", "Anna",
             "Peter", "Julia", "Mark", "Claire"]  # fmt: skip
_EN_LAST = ["Smith", "Müller", "Johnson", "Schmidt", "Brown", "de Vries", "Taylor",
            "Fischer", "Wilson", "Jansen", "Clark", "Weber"]  # fmt: skip

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],  # fmt: skip
        strict=True,
    )
)


def translit(text: str) -> str:
    """Latin letters for e-mail addresses and domains."""
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in out if ch.isascii() and (ch.isalnum() or ch in ".-"))


class CompanyNamer:
    """Unique company names: about three Russian for every English one."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def company(self) -> tuple[str, str, str, bool]:
        """(name, legal name, e-mail domain, russian?)."""
        rng = self.rng
        russian = rng.random() < 0.75
        for attempt in range(50):
            if russian:
                form = rng.choice(_RU_FORMS)
                core = rng.choice(_RU_ROOTS) + rng.choice(_RU_SUFFIXES) + rng.choice(_RU_TAILS)
                if attempt > 5:
                    core = f"{core} ({rng.choice(_CITIES)})"
                name = f"{form} «{core}»"
                legal = f"{_RU_LEGAL[form]} «{core}»"
                domain = translit(core.split(" (")[0].replace(" ", "")) + ".ru"
            else:
                core = f"{rng.choice(_EN_ROOTS)} {rng.choice(_EN_NOUNS)}"
                if attempt > 5:
                    core = f"{core} {rng.choice(['Europe', 'International', 'East', 'CIS'])}"
                name = f"{core} {rng.choice(_EN_FORMS)}"
                legal = name
                domain = translit(core.replace(" ", "")) + ".com"
            if attempt > 20:
                name = f"{name} #{attempt}"
            if name not in self.used:
                self.used.add(name)
                return name, legal, domain, russian
        raise RuntimeError("name space exhausted")  # unreachable with 50 attempts and #n


def person(rng: random.Random, russian: bool) -> tuple[str, str]:
    """(full name, e-mail local part)."""
    if russian:
        last = rng.choice(_RU_LAST)
        if rng.random() < 0.4:
            first = rng.choice(_RU_FEMALE_FIRST)
            last = last + "а"
        else:
            first = rng.choice(_RU_MALE_FIRST)
        return f"{first} {last}", f"{translit(first)[0]}.{translit(last)}"
    first, last = rng.choice(_EN_FIRST), rng.choice(_EN_LAST)
    return f"{first} {last}", f"{first[0].lower()}.{translit(last.replace(' ', ''))}"


# Org chart levels: (position, department, decision role) in each language.
ORG_LEVELS_RU = [
    [("Генеральный директор", "Дирекция", "decision_maker")],
    [
        ("Финансовый директор", "Финансы", "economic_buyer"),
        ("Технический директор", "Техническая служба", "technical_evaluator"),
        ("Директор по закупкам", "Закупки", "decision_maker"),
        ("Директор по производству", "Производство", "influencer"),
    ],
    [
        ("Начальник отдела закупок", "Закупки", "gatekeeper"),
        ("Главный инженер", "Техническая служба", "technical_evaluator"),
        ("Главный механик", "Производство", "champion"),
        ("Руководитель склада", "Логистика", "user"),
        ("Главный бухгалтер", "Финансы", "influencer"),
    ],
    [
        ("Специалист по закупкам", "Закупки", "user"),
        ("Инженер-технолог", "Техническая служба", "user"),
        ("Мастер участка", "Производство", "user"),
        ("Помощник директора", "Дирекция", "gatekeeper"),
    ],
]
ORG_LEVELS_EN = [
    [("Managing Director", "Management", "decision_maker")],
    [
        ("CFO", "Finance", "economic_buyer"),
        ("CTO", "Engineering", "technical_evaluator"),
        ("Head of Procurement", "Procurement", "decision_maker"),
        ("Operations Director", "Operations", "influencer"),
    ],
    [
        ("Purchasing Manager", "Procurement", "gatekeeper"),
        ("Chief Engineer", "Engineering", "technical_evaluator"),
        ("Maintenance Manager", "Operations", "champion"),
        ("Warehouse Manager", "Logistics", "user"),
        ("Financial Controller", "Finance", "influencer"),
    ],
    [
        ("Buyer", "Procurement", "user"),
        ("Process Engineer", "Engineering", "user"),
        ("Shift Supervisor", "Operations", "user"),
        ("Executive Assistant", "Management", "gatekeeper"),
    ],
]

INTERACTION_SUBJECTS = {
    "meeting": ["Квартальная встреча по итогам", "Обсуждение условий на следующий год",
                "Встреча с новым директором по закупкам", "Quarterly business review",
                "Annual pricing discussion", "Meeting the new procurement head"],
    "call": ["Уточнение сроков поставки", "Звонок по рекламации", "Согласование спецификации",
             "Delivery schedule call", "Follow-up on quotation", "Complaint about a late order"],
    "email": ["Коммерческое предложение", "Ответ на запрос", "Новый прайс-лист",
              "Quotation sent", "Updated price list", "Answer to a technical query"],
    "visit": ["Визит на производство", "Аудит склада", "Осмотр оборудования с главным механиком",
              "Plant visit", "Site walk-through", "Maintenance walk-down with the engineers"],
    "presentation": ["Презентация новой линейки", "Технический семинар для инженеров",
                     "New product line presentation", "Technical seminar"],
    "informal": ["Обед с руководством", "Dinner with management"],
    "survey": ["Опрос удовлетворённости", "Satisfaction survey"],
}  # fmt: skip
SUMMARIES = [
    "Обсудили объёмы и сроки поставок на следующий квартал.",
    "Клиент недоволен сроками, попросил резерв на складе.",
    "Технический директор заинтересован в пилоте.",
    "Закупки давят на цену, ссылаются на конкурента.",
    "Discussed volumes and delivery dates for next quarter.",
    "The client is unhappy with lead times and asked for buffer stock.",
    "The CTO is interested in a pilot.",
    "Procurement pushes on price, quoting a competitor.",
]
OUTCOMES = [
    "Договорились о пилотной поставке",
    "Agreed on a pilot delivery",
    "Клиент запросил скидку 5 %",
    "Client asked for a 5 % discount",
    "Нужна техническая консультация",
    "Needs a technical consultation",
    "",
]
NEXT_STEPS = [
    "Отправить КП",
    "Send a quotation",
    "Согласовать спецификацию",
    "Agree the specification",
    "Назначить встречу с техдиректором",
    "Book a meeting with the CTO",
]
TENDER_TITLES = [
    "Поставка подшипников на 2026 год",
    "Supply of hydraulic components",
    "Годовой контракт на СИЗ",
    "Framework agreement for lubricants",
    "Сервисное обслуживание насосного оборудования",
    "Welding consumables tender",
]
TENDER_PLATFORMS = ["Сбербанк-АСТ", "B2B-Center", "РТС-тендер", "SAP Ariba", "Fabrikant"]
WIN_REASONS = [
    "Лучшая цена при равных сроках",
    "Best total cost of ownership",
    "Technical advantage and local stock",
]
LOSS_REASONS = [
    "Цена выше конкурента на 8 %",
    "Competitor offered longer payment terms",
    "Не прошли по техническим требованиям",
]
COMPETITORS = ["SKF", "Schaeffler", "ООО «ТехноСнаб»", "Bosch Rexroth", "ГК «Энергомаш»"]
OBJECTIVES = [
    ("Увеличить долю в закупках подшипников", "доля закупок, %", "40", "25"),
    ("Заключить рамочный договор на группу", "договор", "1", "0"),
    ("Raise our share of the bearings spend", "share, %", "35", "20"),
    ("Grow annual revenue", "revenue, RUB", "120000000", "80000000"),
    ("Выйти на новые площадки клиента", "площадок", "3", "1"),
    ("Sign a framework agreement", "agreement", "1", "0"),
    ("Повысить NPS", "NPS", "9", "7"),
    ("Introduce maintenance services", "categories", "2", "0"),
]
ACTIONS = [
    "Провести технический семинар",
    "Prepare a TCO comparison",
    "Организовать визит на завод",
    "Meet the new procurement director",
    "Подготовить пилотную поставку",
    "Send the annual price proposal",
    "Согласовать график поставок",
    "Run the satisfaction survey",
]
EVENTS = [
    ("Иннопром", "exhibition", "Екатеринбург"),
    ("Металл-Экспо", "exhibition", "Москва"),
    ("Customer Day", "conference", "Москва"),
    ("Технический семинар по гидравлике", "workshop", "Санкт-Петербург"),
    ("New product presentation", "presentation", "Online"),
    ("Партнёрская конференция", "conference", "Казань"),
]
SURVEY_NEEDS = [
    "Быстрее отгрузки со склада",
    "Faster delivery from local stock",
    "Техническая поддержка на площадке",
    "On-site technical support",
    "Единый договор на всю группу",
    "One framework contract for the whole group",
]


def _cyrillic(option) -> bool:
    text = option if isinstance(option, str) else option[0]
    return any("а" <= ch <= "я" or ch == "ё" for ch in text.lower())


@functools.cache
def _in_language(options: tuple, russian: bool) -> tuple:
    chosen = tuple(o for o in options if _cyrillic(o) == russian)
    return chosen or options


def in_language(options, russian: bool) -> tuple:
    """The options written in the account's language (a Russian client gets Russian notes)."""
    return _in_language(tuple(options), russian)
