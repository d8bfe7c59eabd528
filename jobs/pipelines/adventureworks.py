"""adventureworks wiring: read the six landed export files, run the transforms, hand the tables
to the shared publish step."""

from __future__ import annotations

import logging

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession

from jobs.manifest import Landing
from jobs.pipelines import Pipeline, SampleGenerator
from jobs.publish import SourceRows, TransformOutput
from jobs.sources.files import FilesSettings, read_csv
from schemas.adventureworks import (
    DIM_CUSTOMER,
    DIM_PRODUCT,
    DIM_SPECIAL_OFFER,
    FACT_SALES_ORDER,
    FACT_SALES_ORDER_LINE,
    RAW_CUSTOMER,
    RAW_PERSON,
    RAW_PRODUCT,
    RAW_SALES_ORDER_DETAIL,
    RAW_SALES_ORDER_HEADER,
    RAW_SPECIAL_OFFER_PRODUCT,
    SOURCES,
    TABLES,
    VIEWS,
)
from schemas.common import DIM_DATE
from transforms.adventureworks import (
    build_dim_customer,
    build_dim_product,
    build_dim_special_offer,
    build_fact_sales_order,
    build_fact_sales_order_line,
    lines_with_an_order,
    order_dates,
    parse,
    split,
)
from transforms.dates import build_dim_date

log = logging.getLogger(__name__)

# Which warehouse table each source's good rows end up in, one to one (for the row
# reconciliation). Person is not here: persons are attributes of dim_customer, and persons who
# are not customers (employees, vendor contacts) are not loaded anywhere.
_SOURCE_TABLE = {
    RAW_PRODUCT.name: DIM_PRODUCT.name,
    RAW_CUSTOMER.name: DIM_CUSTOMER.name,
    RAW_SPECIAL_OFFER_PRODUCT.name: DIM_SPECIAL_OFFER.name,
    RAW_SALES_ORDER_HEADER.name: FACT_SALES_ORDER.name,
    RAW_SALES_ORDER_DETAIL.name: FACT_SALES_ORDER_LINE.name,
}


def transform(spark: SparkSession, landing: Landing) -> TransformOutput:
    staged: dict[str, tuple[DataFrame, DataFrame]] = {}
    rows_in: dict[str, int] = {}
    for layout in SOURCES:
        log.info("[%s] reading and parsing %s", landing.run_id, layout.name)
        # Parsed once and persisted: the counts, the quarantine and every table read this, and
        # later plans start from the cached rows instead of re-deriving the wide parse expressions.
        parsed = parse(read_csv(spark, landing.files(layout.name), layout), layout)
        parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK)
        rows_in[layout.name] = parsed.count()
        good, quarantined = split(parsed, layout)
        staged[layout.name] = (good.persist(StorageLevel.MEMORY_AND_DISK), quarantined)

    def good(layout) -> DataFrame:
        return staged[layout.name][0]

    lines, orphan_lines = lines_with_an_order(good(RAW_SALES_ORDER_DETAIL), good(RAW_SALES_ORDER_HEADER))
    dim_product = build_dim_product(good(RAW_PRODUCT)).cache()
    dim_customer = build_dim_customer(good(RAW_CUSTOMER), good(RAW_PERSON)).cache()
    dim_special_offer = build_dim_special_offer(good(RAW_SPECIAL_OFFER_PRODUCT), dim_product, lines).cache()
    fact_order = build_fact_sales_order(good(RAW_SALES_ORDER_HEADER), lines, dim_customer).cache()
    fact_line = build_fact_sales_order_line(lines, fact_order, dim_product, dim_special_offer)

    quarantine = orphan_lines
    for _, rejected in staged.values():
        quarantine = quarantine.unionByName(rejected)
    return TransformOutput(
        tables={
            DIM_DATE.name: (DIM_DATE, build_dim_date(order_dates(fact_order))),
            DIM_PRODUCT.name: (DIM_PRODUCT, dim_product),
            DIM_CUSTOMER.name: (DIM_CUSTOMER, dim_customer),
            DIM_SPECIAL_OFFER.name: (DIM_SPECIAL_OFFER, dim_special_offer),
            FACT_SALES_ORDER.name: (FACT_SALES_ORDER, fact_order),
            FACT_SALES_ORDER_LINE.name: (FACT_SALES_ORDER_LINE, fact_line),
        },
        quarantine=quarantine,
        sources=[SourceRows(source, table, rows_in[source]) for source, table in _SOURCE_TABLE.items()],
    )


PIPELINE = Pipeline(
    name="adventureworks",
    description="AdventureWorks bike maker ERP export: products, customers, special offers, sales orders",
    tables=TABLES,
    views=VIEWS,
    sources=SOURCES,
    transform=transform,
    sample=SampleGenerator(
        "samples.adventureworks:generate_adventureworks_with_counts",
        "AdventureWorks ERP export, the six hostile ';'/BOM/CRLF/NULL/decimal-comma files (Person, Product, "
        "Customer, SalesOrderHeader, SalesOrderDetail, SpecialOfferProduct); scale 1 = 31,465 orders"),
    options=FilesSettings,
)
