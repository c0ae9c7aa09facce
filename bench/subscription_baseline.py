# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Baseline: how fast stock Tryton's sale_subscription invoices members.

A fresh database gets sale_subscription, a company in NOK, a minimal chart
of accounts, a membership of 5000 NOK a year and N members, each with one
running subscription from 2026-01-01.  Then the dues for 2026 are invoiced
as a user of stock Tryton does it, and only that is timed:

1. "Create Consumptions" for 2026-01-01,
2. "Create Invoices" for 2026-01-01,
3. "Post" on the draft invoices: on each invoice in its own transaction,
   or with --post-all-at-once on all of them in one transaction, as a user
   does who selects the whole list before clicking.

Stock sale_subscription cannot invoice a single subscription: both wizards
(and their cron jobs) handle every due subscription of the company at once,
so steps 1 and 2 run once, each in one transaction.  Posting queues the
rendering of each invoice's report, which a production server leaves to a
queue worker: it is not timed.

The script ends by checking that exactly N invoices of 5000 NOK are posted,
one per member, and exits with 1 when not.  From the top of the repository:

    .venv/bin/python bench/subscription_baseline.py [--members N]
        [--database-uri postgresql://postgres@127.0.0.1:5433/]
        [--post-all-at-once]

Without --database-uri it uses SQLite in a temporary directory; on
PostgreSQL it creates a uniquely named database and drops it at the end.
On SQLite, stock "Create Invoices" fails from about 1000 members on (the
query checking the new invoices' addresses is too deep for SQLite): the
script then reports the failure; measure 1000 members on PostgreSQL.
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
    parser.add_argument(
        '--post-all-at-once', action='store_true',
        help="post all invoices in one transaction instead of each in its own")
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
    # Tasks queued while posting, as rendering the invoice reports, are left
    # to a queue worker as on a production server: they are not timed.
    os.environ['TRYTOND_QUEUE__WORKER'] = 'True'
    from trytond import config
    config.update_etc()


def in_transaction(database, function, *args, **context):
    """Return function(*args) run and committed in a transaction on database

    Tryton asks for a new attempt when a lock is needed after the transaction
    started (posting needs the invoice and move sequences locked); like the
    server, the attempt is repeated with the lock taken.
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
    from trytond.transaction import Transaction

    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        transaction.database.create(transaction.connection, name)


def activate_sale_subscription(name):
    "Activate sale_subscription and its dependencies, as trytond-admin does"
    from trytond import backend
    from trytond.pool import Pool

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
    """Create members, each with one running subscription

    The records are filled by the on_change methods of the client's forms,
    but all in one transaction, as the set-up is not what is measured.
    """
    from trytond.pool import Pool
    from trytond.tools import grouped_slice

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
    # Checking the domains of many new lines at once makes a query too deep
    # for SQLite.
    for chunk in grouped_slice(subscriptions, 100):
        chunk = list(chunk)
        Subscription.save(chunk)
        Subscription.quote(chunk)
        Subscription.run(chunk)


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


def post_invoices(invoice_ids):
    "What the button Post does on the selected invoices"
    from trytond.pool import Pool
    Invoice = Pool().get('account.invoice')
    Invoice.post(Invoice.browse(invoice_ids))


def posted_invoices():
    "Return the party id and the total of each posted customer invoice"
    from trytond.pool import Pool
    Invoice = Pool().get('account.invoice')
    return [(i.party.id, i.total_amount) for i in Invoice.search([
                ('type', '=', 'out'),
                ('state', '=', 'posted'),
                ])]


def check(invoices, members):
    "Return what is wrong with the posted invoices, or None"
    if len(invoices) != members:
        return f"{len(invoices)} posted invoices instead of {members}"
    wrong_totals = [t for _, t in invoices if t != YEARLY_DUES]
    if wrong_totals:
        return (f"{len(wrong_totals)} invoices of another total than "
            f"{YEARLY_DUES}, e.g. {wrong_totals[0]}")
    invoiced_members = len({party for party, _ in invoices})
    if invoiced_members != members:
        return f"{members - invoiced_members} members have no invoice"


def benchmark(database, members, post_all_at_once, set_up_started):
    from trytond.backend import DatabaseOperationalError

    company_id, service_id, yearly_id = set_up_organisation(database)

    def run(function, *args):
        return in_transaction(database, function, *args, company=company_id)

    run(subscribe_members, members, company_id, service_id, yearly_id)
    print(f"  {'set-up (not timed)':<32} "
        f"{time.perf_counter() - set_up_started:8.1f} s")

    seconds = 0

    def timed(label, function, *args):
        nonlocal seconds
        started = time.perf_counter()
        try:
            function(*args)
        finally:
            elapsed = time.perf_counter() - started
            seconds += elapsed
            print(f"  {label:<32} {elapsed:8.1f} s")

    def post(batches):
        for batch in batches:
            run(post_invoices, batch)

    failure = None
    try:
        timed("create consumptions", run, create_consumptions)
        timed("create invoices", run, create_invoices)
        invoice_ids = run(draft_invoice_ids)
        if post_all_at_once:
            batches, how = [invoice_ids], "all at once"
        else:
            batches, how = [[i] for i in invoice_ids], "each"
        timed(f"post {len(invoice_ids)} invoices, {how}", post, batches)
    except DatabaseOperationalError as exception:
        # Stock Tryton checks the addresses of all new invoices in one
        # query, which SQLite refuses from about 1000 members on.
        failure = f"stock invoicing failed: {exception}"

    invoices = run(posted_invoices)
    rate = len(invoices) / seconds
    print(f"  {'total':<32} {seconds:8.1f} s = {rate:.2f} invoices/s")
    failure = failure or check(invoices, members)
    print(f"RESULT subscriptions={members} invoices={len(invoices)} "
        f"invoices_per_s={rate:.2f} seconds={seconds:.1f}")
    if failure:
        print(f"subscription_baseline: error: {failure}", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    options = build_parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='subscription-baseline-') \
            as sqlite_directory:
        configure_trytond(
            options.database_uri or 'sqlite://', sqlite_directory)
        from trytond import backend
        name = f'subscription_baseline_{uuid.uuid4().hex[:12]}'
        print(f"Stock sale_subscription invoicing {options.members} members "
            f"on {backend.name} (database {name})")
        set_up_started = time.perf_counter()
        create_database(name)
        try:
            activate_sale_subscription(name)
            return benchmark(
                name, options.members, options.post_all_at_once,
                set_up_started)
        finally:
            drop_database(name)


if __name__ == '__main__':
    sys.exit(main())
