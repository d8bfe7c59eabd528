"""Synthetic Olist e-commerce data in the Kaggle "olistbr/brazilian-ecommerce" layout.

Writes the nine CSV files with the real files' columns and quirks, so the PostgreSQL source
(samples.olist_pg) and the pipeline can be exercised at any volume:

* a string field is quoted only when its value starts with a digit (ids, zip prefixes) or holds
  a comma, quote or line break; numbers and timestamps are never quoted; headers are quoted.
* review comments contain line breaks (LF and CRLF), commas and quotes inside quoted fields.
* zip code prefixes are 5-digit strings, São Paulo's start with 0.
* city names are dirty: accents or not, ``sao paulo - sp``, ``sbc/sp``, ``rio de janeiro, rio de
  janeiro, brasil``, upper case, an e-mail address, a zip code; geolocation mixes spellings per
  zip and has a few points outside Brazil.
* products: the misspelled ``product_name_lenght`` / ``product_description_lenght`` headers,
  ~1.85 % without category, two categories missing from the translation file.
* ``product_category_name_translation.csv``: UTF-8 BOM, CRLF, unquoted header, no final newline.
* orders in every status (created … delivered, canceled, unavailable) with the null timestamps
  those statuses have; a few delivered orders lack the delivery moment; payments mostly match
  items + freight, some carry interest or vouchers; some orders have no review, two reviews, or
  share a review id with another order.

``scale=1`` ≈ 99,441 orders (the real volume). Deterministic for a given (scale, seed).
Category names are a Portuguese/English subset written for this generator.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import math
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

from schemas.olist import (
    SRC_CATEGORY_TRANSLATION,
    SRC_CUSTOMERS,
    SRC_GEOLOCATION,
    SRC_ORDER_ITEMS,
    SRC_ORDER_PAYMENTS,
    SRC_ORDER_REVIEWS,
    SRC_ORDERS,
    SRC_PRODUCTS,
    SRC_SELLERS,
    SourceTable,
)

log = logging.getLogger(__name__)

FULL_ORDERS = 99_441
FULL_PRODUCTS = 32_951
FULL_SELLERS = 3_095
GEO_POINTS_PER_ORDER = 10  # ~1,000,163 geolocation rows at scale 1
START = dt.datetime(2016, 9, 4)
END = dt.datetime(2018, 10, 17)

# state, weight (share of customers), capital, its accented spelling, zip range, centre lat/lng
STATES: tuple[tuple[str, float, str, str, tuple[int, int], tuple[float, float]], ...] = (
    ("SP", 42.0, "sao paulo", "são paulo", (1000, 19999), (-23.55, -46.63)),
    ("RJ", 12.9, "rio de janeiro", "rio de janeiro", (20000, 28999), (-22.91, -43.17)),
    ("MG", 11.7, "belo horizonte", "belo horizonte", (30000, 39999), (-19.92, -43.94)),
    ("RS", 5.5, "porto alegre", "porto alegre", (90000, 99999), (-30.03, -51.23)),
    ("PR", 5.1, "curitiba", "curitiba", (80000, 87999), (-25.43, -49.27)),
    ("SC", 3.7, "florianopolis", "florianópolis", (88000, 89999), (-27.59, -48.55)),
    ("BA", 3.4, "salvador", "salvador", (40000, 48999), (-12.97, -38.50)),
    ("DF", 2.1, "brasilia", "brasília", (70000, 72799), (-15.79, -47.88)),
    ("ES", 2.0, "vitoria", "vitória", (29000, 29999), (-20.32, -40.34)),
    ("GO", 2.0, "goiania", "goiânia", (72800, 76799), (-16.68, -49.25)),
    ("PE", 1.7, "recife", "recife", (50000, 56999), (-8.05, -34.90)),
    ("CE", 1.3, "fortaleza", "fortaleza", (60000, 63999), (-3.73, -38.52)),
    ("PA", 1.0, "belem", "belém", (66000, 68899), (-1.46, -48.50)),
    ("MT", 0.9, "cuiaba", "cuiabá", (78000, 78899), (-15.60, -56.10)),
    ("MA", 0.75, "sao luis", "são luís", (65000, 65999), (-2.53, -44.30)),
    ("MS", 0.7, "campo grande", "campo grande", (79000, 79999), (-20.47, -54.62)),
    ("PB", 0.54, "joao pessoa", "joão pessoa", (58000, 58999), (-7.12, -34.86)),
    ("PI", 0.5, "teresina", "teresina", (64000, 64999), (-5.09, -42.80)),
    ("RN", 0.49, "natal", "natal", (59000, 59999), (-5.79, -35.21)),
    ("AL", 0.42, "maceio", "maceió", (57000, 57999), (-9.67, -35.74)),
    ("SE", 0.35, "aracaju", "aracaju", (49000, 49999), (-10.91, -37.07)),
    ("TO", 0.28, "palmas", "palmas", (77000, 77999), (-10.18, -48.33)),
    ("RO", 0.25, "porto velho", "porto velho", (76800, 76999), (-8.76, -63.90)),
    ("AM", 0.15, "manaus", "manaus", (69000, 69299), (-3.12, -60.02)),
    ("AC", 0.08, "rio branco", "rio branco", (69900, 69999), (-9.97, -67.81)),
    ("AP", 0.07, "macapa", "macapá", (68900, 68999), (-0.03, -51.07)),
    ("RR", 0.05, "boa vista", "boa vista", (69300, 69399), (2.82, -60.67)),
)
# A second city per big state, so city != capital happens; (state, plain, accented)
OTHER_CITIES = (
    ("SP", "sao bernardo do campo", "são bernardo do campo"), ("SP", "campinas", "campinas"),
    ("SP", "santa barbara d'oeste", "santa bárbara d´oeste"), ("SP", "ribeirao preto", "ribeirão preto"),
    ("RJ", "niteroi", "niterói"), ("MG", "uberlandia", "uberlândia"), ("PR", "maringa", "maringá"),
    ("RS", "novo hamburgo", "novo hamburgo"), ("SC", "joinville", "joinville"),
    ("BA", "feira de santana", "feira de santana"),
)
STATE_NAMES = {"SP": "sao paulo", "RJ": "rio de janeiro", "MG": "minas gerais", "RS": "rio grande do sul",
               "PR": "parana", "SC": "santa catarina", "BA": "bahia"}

# Portuguese category -> English, written for this generator (a subset of Olist's 71).
CATEGORIES: dict[str, str] = {
    "cama_mesa_banho": "bed_bath_table", "beleza_saude": "health_beauty",
    "esporte_lazer": "sports_leisure", "moveis_decoracao": "furniture_decor",
    "informatica_acessorios": "computers_accessories", "utilidades_domesticas": "housewares",
    "relogios_presentes": "watches_gifts", "telefonia": "telephony", "ferramentas_jardim": "garden_tools",
    "automotivo": "auto", "brinquedos": "toys", "cool_stuff": "cool_stuff", "perfumaria": "perfumery",
    "bebes": "baby", "eletronicos": "electronics", "papelaria": "stationery",
    "fashion_bolsas_e_acessorios": "fashion_bags_accessories", "pet_shop": "pet_shop",
    "moveis_escritorio": "office_furniture", "consoles_games": "consoles_games",
    "malas_acessorios": "luggage_accessories", "construcao_ferramentas_construcao": "construction_tools",
    "eletrodomesticos": "home_appliances", "instrumentos_musicais": "musical_instruments",
    "eletroportateis": "small_appliances", "casa_construcao": "home_construction",
    "livros_interesse_geral": "books_general_interest", "alimentos": "food", "bebidas": "drinks",
    "climatizacao": "air_conditioning", "artes": "art", "audio": "audio", "flores": "flowers",
    "seguros_e_servicos": "security_and_services",
}
# In products but missing from the translation file (as in the real data).
UNTRANSLATED = ("pc_gamer", "portateis_cozinha_e_preparadores_de_alimentos")

STATUS_WEIGHTS = (("delivered", 96_478), ("shipped", 1_107), ("canceled", 625), ("unavailable", 609),
                  ("invoiced", 314), ("processing", 301), ("created", 5), ("approved", 2))
REVIEW_TITLES = ("Recomendo", "Ótimo", "Produto bom", "Não recebi", "10", "5 estrelas", "Péssimo",
                 "Entrega rápida", "Super recomendo")
REVIEW_MESSAGES = (
    "Produto chegou antes do prazo, recomendo.",
    "Recebi o produto, mas veio com defeito.\r\nAguardo a troca.",
    "Muito bom!\nChegou rápido e bem embalado.",
    '10 dias de atraso, mas o produto é "bom".',
    "Ainda não recebi o produto",
    "O produto é ótimo, porém a entrega atrasou, e ninguém responde.",
    "2 unidades compradas,\nsó 1 entregue.",
    "Excelente",
)


def _id(rng: random.Random) -> str:
    """A 32-hex-digit Olist-style id (about 60 % start with a digit and end up quoted)."""
    return f"{rng.getrandbits(128):032x}"


def _ts(value: dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _money(value: float) -> str:
    return f"{value:.2f}"


def _cell(value: object) -> str:
    """Kaggle quoting: text is quoted when it starts with a digit or holds a delimiter, quote or
    line break; numbers and timestamps (passed pre-formatted as _Raw) never."""
    if value is None:
        return ""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if text[:1].isdigit() or any(ch in text for ch in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


class _Raw(str):
    """A pre-formatted number or timestamp: written as is, never quoted."""


def _raw(value: str | None) -> _Raw | None:
    return None if value is None else _Raw(value)


def _write(path: Path, table: SourceTable, rows: Iterable[Sequence[object]]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(f'"{h}"' for h in table.csv_header) + "\n")
        for row in rows:
            fh.write(",".join(_cell(v) for v in row) + "\n")
            n += 1
    return n


def _write_translation(path: Path) -> int:
    lines = [",".join(SRC_CATEGORY_TRANSLATION.csv_header)]
    lines += [f"{pt},{en}" for pt, en in CATEGORIES.items()]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write("\r\n".join(lines))  # BOM, CRLF, no final newline
    return len(CATEGORIES)


class _Places:
    """Zip prefixes, cities and coordinates by state."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.weights = [s[1] for s in STATES]
        self.zip_city: dict[str, tuple[str, str, str]] = {}  # zip -> (state, plain city, accented)

    def draw(self) -> tuple[str, str, str, str]:
        """(zip prefix, state, plain city, accented city) of a customer or seller."""
        state, _, capital, accented, (lo, hi), _ = self.rng.choices(STATES, self.weights)[0]
        others = [c for c in OTHER_CITIES if c[0] == state]
        if others and self.rng.random() < 0.35:
            _, capital, accented = self.rng.choice(others)
        # Fewer distinct zips than rows, as in the real data (a zip has many customers).
        zip_code = f"{lo + int((hi - lo) * self.rng.random() ** 1.5) // 7 * 7:05d}"
        state, capital, accented = self.zip_city.setdefault(zip_code, (state, capital, accented))
        return zip_code, state, capital, accented

    def centre(self, state: str) -> tuple[float, float]:
        return next(s[5] for s in STATES if s[0] == state)


def _dirty_city(rng: random.Random, plain: str, accented: str, state: str, zip_code: str) -> str:
    """A seller's city as typed into Olist's form."""
    r = rng.random()
    if r < 0.80:
        return plain
    variants = [accented, f"{plain} - {state.lower()}", f"{plain}/{state.lower()}", plain.upper(),
                f"{plain} / {STATE_NAMES.get(state, plain)}", f"{plain}, {STATE_NAMES.get(state, plain)}, brasil",
                f"{plain} \\{STATE_NAMES.get(state, plain)}", f"  {plain}  ", f"{plain} ({plain})"]
    if r > 0.995:
        return rng.choice([f"vendas@{plain.replace(' ', '')}.com.br", f"{zip_code}255"])
    return rng.choice(variants)


def _purchase_moment(rng: random.Random) -> dt.datetime:
    """Purchases grow over time (Olist's volume rose through 2017-2018)."""
    span = (END - START).total_seconds()
    return START + dt.timedelta(seconds=int(span * math.sqrt(rng.random())))


def _day(moment: dt.datetime) -> dt.datetime:
    return dt.datetime(moment.year, moment.month, moment.day)


def _order_milestones(rng: random.Random, status: str, bought: dt.datetime):
    """(approved, carrier, delivered, estimated) with the nulls each status has."""
    estimated = _day(bought) + dt.timedelta(days=rng.randint(10, 40))
    approved = bought + dt.timedelta(minutes=int(rng.expovariate(1 / 600)) + 1)
    carrier = approved + dt.timedelta(hours=rng.uniform(6, 24 * 5))
    delivered = carrier + dt.timedelta(hours=24 * rng.lognormvariate(math.log(7), 0.6))
    if status == "created":
        return None, None, None, estimated
    if status in ("approved", "invoiced", "processing"):
        return approved, None, None, estimated
    if status == "unavailable":
        return approved, None, None, estimated
    if status == "shipped":
        return approved, carrier, None, estimated
    if status == "canceled":
        r = rng.random()
        if r < 0.2:
            return None, None, None, estimated
        if r < 0.9:
            return approved, None, None, estimated
        return approved, carrier, (delivered if r > 0.99 else None), estimated
    # delivered: a handful lack the approval or the delivery moment, as in the real data
    return (approved if rng.random() > 0.0002 else None, carrier,
            delivered if rng.random() > 0.0001 else None, estimated)


def generate_olist_with_counts(out_dir: str | Path, *, scale: float = 0.01,
                               seed: int = 42) -> dict[str, tuple[Path, int]]:
    """Write the nine files into ``out_dir``; returns {file name: (path, data rows)}."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    places = _Places(rng)
    n_orders = max(20, round(FULL_ORDERS * scale))
    n_products = max(10, round(FULL_PRODUCTS * scale))
    n_sellers = max(5, round(FULL_SELLERS * scale))

    # -- products (a few without category, two categories missing from the translation)
    categories = list(CATEGORIES) + list(UNTRANSLATED)
    cat_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(CATEGORIES))] + [0.02, 0.02]
    products = []
    for i in range(n_products):
        has_category = rng.random() > 0.0185 and i != 0
        category = rng.choices(categories, cat_weights)[0] if has_category else None
        if i in (1, 2):  # always at least one product of each untranslated category
            category = UNTRANSLATED[i - 1]
        size = [rng.randint(11, 105), rng.randint(2, 105), rng.randint(6, 118)]
        weight = int(rng.lognormvariate(math.log(700), 1.1)) if rng.random() > 0.0001 else None
        products.append((
            _id(rng), category,
            *((rng.randint(5, 76), rng.randint(4, 3992), rng.randint(1, 20)) if category else (None,) * 3),
            weight, *(size if weight is not None else (None,) * 3),
        ))
    product_weights = list(itertools.accumulate(rng.paretovariate(1.2) for _ in products))

    # -- sellers (dirty cities)
    sellers = []
    for _ in range(n_sellers):
        zip_code, state, plain, accented = places.draw()
        sellers.append((_id(rng), zip_code, _dirty_city(rng, plain, accented, state, zip_code), state))
    seller_weights = list(itertools.accumulate(rng.paretovariate(1.1) for _ in sellers))

    # -- orders, customers (one customer_id per order), items, payments, reviews
    statuses, status_w = zip(*STATUS_WEIGHTS, strict=True)
    customers, orders, items, payments, reviews = [], [], [], [], []
    people: list[tuple[str, str, str, str, str]] = []
    shared_review: tuple[str, dt.datetime, str] | None = None  # (review id, created, order id)
    for n in range(n_orders):
        if people and rng.random() < 0.03:  # a returning customer: same person, new customer_id
            unique_id, zip_code, state, plain, accented = rng.choice(people)
        else:
            zip_code, state, plain, accented = places.draw()
            unique_id = _id(rng)
            people.append((unique_id, zip_code, state, plain, accented))
        customer_id = _id(rng)
        city = accented if rng.random() < 0.01 else plain
        customers.append((customer_id, unique_id, zip_code, city, state))

        order_id = _id(rng)
        # Every status occurs at least once, whatever the scale.
        status = statuses[n] if n < len(statuses) else rng.choices(statuses, status_w)[0]
        bought = _purchase_moment(rng)
        approved, carrier, delivered, estimated = _order_milestones(rng, status, bought)
        orders.append((order_id, customer_id, status, _raw(_ts(bought)), _raw(_ts(approved)),
                       _raw(_ts(carrier)), _raw(_ts(delivered)), _raw(_ts(estimated))))

        has_items = not (status == "unavailable" and rng.random() < 0.98) and not (
            status in ("canceled", "created") and rng.random() < 0.25)
        lines = rng.choices((1, 2, 3, 4, 6), (90.1, 7.6, 1.5, 0.6, 0.2))[0] if has_items else 0
        total = 0.0
        product = rng.choices(products, cum_weights=product_weights)[0]
        seller = rng.choices(sellers, cum_weights=seller_weights)[0]
        price = round(rng.lognormvariate(math.log(75), 0.9) + 1, 2)
        for line in range(1, lines + 1):
            if rng.random() < 0.3:  # another product in the same order
                product = rng.choices(products, cum_weights=product_weights)[0]
                price = round(rng.lognormvariate(math.log(75), 0.9) + 1, 2)
            freight = round(rng.uniform(0, 8) + price * rng.uniform(0.05, 0.3), 2) if rng.random() > 0.003 else 0.0
            limit = (approved or bought) + dt.timedelta(days=rng.randint(2, 7), seconds=rng.randint(0, 86399))
            items.append((order_id, line, product[0], seller[0], _raw(_ts(limit)), _raw(_money(price)),
                          _raw(_money(freight))))
            total += price + freight
        if not lines:
            total = round(rng.lognormvariate(math.log(90), 0.8), 2)
        total = round(total, 2)
        if rng.random() < 0.02:  # interest on installments / rounding: payments != items + freight
            total = round(total * rng.uniform(1.01, 1.08), 2)
        r = rng.random()
        if status == "canceled" and r < 0.005:
            parts = [("not_defined", 1, 0.0)]
        elif r < 0.03 and total > 20:
            voucher = round(total * rng.uniform(0.1, 0.6), 2)
            parts = [("voucher", 1, voucher), ("credit_card", rng.randint(1, 10), round(total - voucher, 2))]
        else:
            kind = rng.choices(("credit_card", "boleto", "voucher", "debit_card"), (75, 19.5, 4, 1.5))[0]
            parts = [(kind, rng.randint(1, 10) if kind == "credit_card" else 1, total)]
        for seq, (kind, installments, value) in enumerate(parts, start=1):
            payments.append((order_id, seq, kind, installments, _raw(_money(value))))

        if rng.random() < 0.992:
            late = delivered is not None and _day(delivered) > estimated
            base = delivered or estimated
            n_reviews = 2 if rng.random() < 0.005 else 1
            for k in range(n_reviews):
                created = _day(base) + dt.timedelta(days=rng.randint(0, 1) + k * 3)
                answered = created + dt.timedelta(hours=rng.uniform(2, 24 * 4))
                score = rng.choices((5, 4, 3, 2, 1), (57, 19, 8, 3, 11.5) if not late else (15, 10, 15, 15, 45))[0]
                title = rng.choice(REVIEW_TITLES) if rng.random() < 0.12 else None
                message = rng.choice(REVIEW_MESSAGES) if rng.random() < 0.41 else None
                review_id = _id(rng)
                if shared_review and shared_review[2] != order_id and rng.random() < 0.008:
                    review_id, created, _ = shared_review  # one review covering two orders
                shared_review = (review_id, created, order_id)
                reviews.append((review_id, order_id, score, title, message, _raw(_ts(created)),
                                _raw(_ts(answered))))

    # -- geolocation: many points per zip, spellings vary, a few points far outside Brazil
    zips = sorted(places.zip_city)
    n_geo = max(len(zips), round(n_orders * GEO_POINTS_PER_ORDER))
    geo = []
    for i in range(n_geo):
        zip_code = zips[i] if i < len(zips) else rng.choice(zips)
        state, plain, accented = places.zip_city[zip_code]
        lat, lng = places.centre(state)
        lat, lng = lat + rng.gauss(0, 0.3), lng + rng.gauss(0, 0.3)
        if rng.random() < 0.0003 or i == len(zips):
            lat, lng = rng.choice(((42.18, -8.72), (38.72, -9.14), (29.41, -98.49)))  # Portugal, USA
        city = rng.choices((plain, accented, plain.upper(), f"{plain}/{state.lower()}"), (70, 25, 3, 2))[0]
        geo.append((zip_code, _raw(repr(lat)), _raw(repr(lng)), city, state))

    written: dict[str, tuple[Path, int]] = {}
    for table, rows in ((SRC_CUSTOMERS, customers), (SRC_GEOLOCATION, geo), (SRC_ORDER_ITEMS, items),
                        (SRC_ORDER_PAYMENTS, payments), (SRC_ORDER_REVIEWS, reviews), (SRC_ORDERS, orders),
                        (SRC_PRODUCTS, products), (SRC_SELLERS, sellers)):
        path = out / table.csv_file
        written[table.csv_file] = (path, _write(path, table, rows))
    path = out / SRC_CATEGORY_TRANSLATION.csv_file
    written[path.name] = (path, _write_translation(path))
    log.info("olist sample data (scale %g, seed %d): %d orders in %s", scale, seed, n_orders, out)
    return written


def generate_olist(out_dir: str | Path, *, scale: float = 0.01, seed: int = 42) -> dict[str, Path]:
    """Write the nine Kaggle-format CSV files; returns {file name: path}."""
    return {name: path for name, (path, _) in generate_olist_with_counts(out_dir, scale=scale, seed=seed).items()}


def fingerprint(out_dir: str | Path) -> str:
    """sha256 over the generated files (tests: same (scale, seed) -> same bytes)."""
    digest = hashlib.sha256()
    for path in sorted(Path(out_dir).glob("*.csv")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
