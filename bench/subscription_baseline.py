# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Baseline: how fast stock Tryton's sale_subscription invoices members.

A fresh database gets sale_subscription, a company in NOK, a minimal chart
of accounts, a 5000 NOK membership billed yearly and N members, each with
one running subscription from 2026-01-01.  Then the dues for 2026 are
invoiced as a stock Tryton user does it, and only that is timed:

1. "Create Consumptions" for 2026-01-01,
2. "Create Invoices" for 2026-01-01,
3. "Post" on each draft invoice, one invoice per transaction.

Stock sale_subscription has no way to invoice a single subscription: both
wizards (and their cron jobs) handle every due subscription of the company
at once, so steps 1 and 2 run once, each in one transaction.

The script ends by checking that exactly N invoices of 5000 NOK are posted,
and exits with 1 when not.  Run it from the top of the repository:

    .venv/bin/python bench/subscription_baseline.py [--members N]
        [--database-uri postgresql://postgres@127.0.0.1:5433/]

Without --database-uri it uses SQLite in a temporary directory; on
PostgreSQL it creates a uniquely named database and drops it at the end.
The last line printed is, for scripts to read:

    RESULT subscriptions=N invoices=N invoices_per_s=R seconds=S
"""
import argparse
import datetime
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal

START_DATE = datetime.date(2026, 1, 1)
YEARLY_DUES = Decimal('5000')


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of 1 or more")
    return value


def build_parser():
    parser = argparse.ArgumentParser(
        description="Time stock sale_subscription invoicing N members.")
    parser.add_argument(
        '--members', type=positive_int, default=1000,
        help="members, each with one subscription (default: %(default)s)")
    parser.add_argument(
        '--database-uri',
        help="trytond database URI, e.g. postgresql://postgres@127.0.0.1:5433/"
        " (default: SQLite in a temporary directory)")
    return parser


def configure_trytond(database_uri, sqlite_directory):
    """Point trytond at database_uri, with SQLite files in sqlite_directory

    trytond reads its configuration from the environment when it is first
    imported, so this runs before any import of trytond.
    """
    # The database comes from the command line only, never from a file.
    os.environ.pop('TRYTOND_CONFIG', None)
    os.environ['TRYTOND_DATABASE__URI'] = database_uri
    os.environ['TRYTOND_DATABASE__PATH'] = sqlite_directory
    # Posting an invoice queues the rendering of its report; a production
    # server leaves that to a queue worker, so it stays out of the timing.
    os.environ['TRYTOND_QUEUE__WORKER'] = 'True'
    from trytond import config
    config.update_etc()


def in_transaction(database, function, *args, **context):
    """Return function(*args) run and committed in a transaction on database

    Tryton asks for a new attempt when a table lock is needed after the
    transaction started; the attempt is repeated with the lock taken.
    """
    from trytond.transaction import Transaction, TransactionError

    extras = {}
    while True:
        with Transaction().start(database, 0, **extras) as transaction, \
                transaction.set_context(**context):
            try:
                return function(*args)
            except TransactionError as exception:
                transaction.rollback()
                exception.fix(extras)


def create_database(name):
    "Create database name with sale_subscription and what it depends on"
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, name)
    database = backend.Database(name)
    database.connect()
    database.init()
    Pool(name).init(
        update=['sale_subscription'], lang=['en'], activatedeps=True)


def drop_database(name):
    from trytond import backend
    from trytond.cache import Cache
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    backend.Database(name).close()
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.drop(transaction.connection, name)
    Pool.stop(name)
    Cache.drop(name)


def set_up_organisation(database):
    """Create the company, its accounts and the yearly membership service

    Return the ids of the company, the service and the yearly recurrence.
    """
    from proteus import Model
    from proteus import config as proteus_config
    from trytond.modules.account.tests.tools import (
        create_chart, create_fiscalyear, get_accounts)
    from trytond.modules.account_invoice.tests.tools import (
        set_fiscalyear_invoice_sequences)
    from trytond.modules.company.tests.tools import create_company, get_company
    from trytond.pool import Pool

    # Importing Tryton's test tools switches trytond into test mode, which
    # validates more on every save than a server does: switch it back.
    Pool.test = False
    proteus_config.set_trytond(database)
    create_company(currency='NOK')
    company = get_company()
    create_chart(company)
    accounts = get_accounts(company)
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(
            company, (START_DATE, START_DATE.replace(month=12, day=31))))
    fiscalyear.click('create_period')

    RecurrenceRuleSet = Model.get('sale.subscription.recurrence.rule.set')
    yearly = RecurrenceRuleSet(name="Yearly")
    rule, = yearly.rules
    rule.freq = 'yearly'
    rule.interval = 1
    yearly.save()

    ProductCategory = Model.get('product.category')
    account_category = ProductCategory(name="Membership dues")
    account_category.accounting = True
    account_category.account_revenue = accounts['revenue']
    account_category.save()

    Uom = Model.get('product.uom')
    ProductTemplate = Model.get('product.template')
    unit, = Uom.find([('name', '=', "Unit")])
    template = ProductTemplate(name="Membership")
    template.type = 'service'
    template.default_uom = unit
    template.salable = True
    template.list_price = YEARLY_DUES
    template.account_category = account_category
    template.save()
    product, = template.products

    Service = Model.get('sale.subscription.service')
    service = Service(product=product, consumption_recurrence=yearly)
    service.save()
    return company.id, service.id, yearly.id


def subscribe_members(members, company_id, service_id, yearly_id):
    """Create members parties, each with one running subscription

    The records are filled by the same on_change methods as the client's
    forms, but all in one transaction: the set-up is not what is measured.
    """
    from trytond.pool import Pool

    pool = Pool()
    Party = pool.get('party.party')
    Subscription = pool.get('sale.subscription')
    Line = pool.get('sale.subscription.line')
    Service = pool.get('sale.subscription.service')

    service = Service(service_id)
    parties = Party.create([{
                'name': f"Member {number}",
                'addresses': [('create', [{}])],
                } for number in range(1, members + 1)])
    subscriptions = []
    for party in parties:
        subscription = Subscription(
            company=company_id, party=party, start_date=START_DATE,
            invoice_recurrence=yearly_id, lines=[])
        subscription.on_change_party()
        line = Line(
            subscription=subscription, service=service, quantity=1,
            start_date=START_DATE)
        line.on_change_service()
        subscription.lines = [line]
        subscriptions.append(subscription)
    Subscription.save(subscriptions)
    Subscription.quote(subscriptions)
    Subscription.run(subscriptions)


def create_consumptions():
    "What the wizard Create Consumptions does"
    from trytond.pool import Pool
    Line = Pool().get('sale.subscription.line')
    Line.generate_consumption(date=START_DATE)


def create_invoices():
    "What the wizard Create Invoices does"
    from trytond.pool import Pool
    Subscription = Pool().get('sale.subscription')
    Subscription.generate_invoice(date=START_DATE)


def draft_invoice_ids():
    from trytond.pool import Pool
    Invoice = Pool().get('account.invoice')
    return [i.id for i in Invoice.search([
                ('type', '=', 'out'),
                ('state', '=', 'draft'),
                ], order=[('id', 'ASC')])]


def post_invoice(invoice_id):
    "What the button Post of an invoice does"
    from trytond.pool import Pool
    Invoice = Pool().get('account.invoice')
    Invoice.post([Invoice(invoice_id)])


def posted_invoice_totals():
    from trytond.pool import Pool
    Invoice = Pool().get('account.invoice')
    return [i.total_amount for i in Invoice.search([
                ('type', '=', 'out'),
                ('state', '=', 'posted'),
                ])]


def main(argv=None):
    options = build_parser().parse_args(argv)
    members = options.members
    with tempfile.TemporaryDirectory(prefix='subscription-baseline-') \
            as sqlite_directory:
        configure_trytond(
            options.database_uri or 'sqlite://', sqlite_directory)
        from trytond import backend
        name = f'subscription_baseline_{uuid.uuid4().hex[:12]}'
        print(f"Stock sale_subscription invoicing {members} members "
            f"on {backend.name} (database {name})")
        started = time.perf_counter()
        create_database(name)
        try:
            return benchmark(name, members, started)
        finally:
            drop_database(name)


def benchmark(database, members, set_up_started):
    company_id, service_id, yearly_id = set_up_organisation(database)

    def run(function, *args):
        return in_transaction(database, function, *args, company=company_id)

    run(subscribe_members, members, company_id, service_id, yearly_id)
    print(f"  {'set-up (not timed)':<24} "
        f"{time.perf_counter() - set_up_started:8.1f} s")

    timings = []

    def timed(label, function, *args):
        started = time.perf_counter()
        result = function(*args)
        elapsed = time.perf_counter() - started
        timings.append(elapsed)
        print(f"  {label:<24} {elapsed:8.1f} s")
        return result

    def post_one_by_one(invoice_ids):
        for invoice_id in invoice_ids:
            run(post_invoice, invoice_id)

    timed("create consumptions", run, create_consumptions)
    timed("create invoices", run, create_invoices)
    invoice_ids = run(draft_invoice_ids)
    timed(f"post {len(invoice_ids)} invoices", post_one_by_one, invoice_ids)

    seconds = sum(timings)
    totals = run(posted_invoice_totals)
    rate = len(totals) / seconds
    print(f"  {'total':<24} {seconds:8.1f} s, {rate:.2f} invoices/s")

    wrong_totals = [t for t in totals if t != YEARLY_DUES]
    failure = None
    if len(totals) != members:
        failure = f"{len(totals)} posted invoices instead of {members}"
    elif wrong_totals:
        failure = (f"{len(wrong_totals)} invoices of another total than "
            f"{YEARLY_DUES}, e.g. {wrong_totals[0]}")
    print(f"RESULT subscriptions={members} invoices={len(totals)} "
        f"invoices_per_s={rate:.2f} seconds={seconds:.1f}")
    if failure:
        print(f"subscription_baseline: error: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
