# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""How fast an OCR Giro file paying N open invoices is imported.

A fresh database gets the union of bench/billing.py with enough members
for N invoices, billed by a billing run for the coming year (not timed).
An OCR Giro file then pays N of the open invoices in full, plus one
payment in a hundred to a valid KID of no invoice, and is imported as
`kontingent import-ocr` does, timed in three phases:

1. parse: read and check the file (kontingent/formats/ocr_giro.py),
   before the transaction as the command does;
2. import: in one transaction, take the locks, record the file, match
   each payment by KID and save the statements and their origins;
3. reconcile: post in bulk the payments that pay an open invoice in full
   and those queued as unmatched (kontingent/payment_posting.py), validate
   and post the statements (Tryton's moves and reconciliations of the
   other payments), mark the invoices paid, commit, and run the tasks the
   import queued.

It checks that exactly the N invoices are paid and the unknown payments
are queued.  From the top of the repository:

    .venv/bin/python bench/ocr_import.py [--payments N]
        [--database-uri postgresql://postgres@127.0.0.1:5433/]
        [--workers W] [--profile FILE]

The last line printed is, for scripts to read:

    RESULT payments=N payments_per_s=R
"""
import argparse
import cProfile
import datetime
import os
import random
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from billing import (  # noqa: E402
    TODAY, add_database_arguments, bill_members, configure_trytond,
    drop_database, optimise, positive_int)

PAYMENT_DATE = TODAY + datetime.timedelta(days=20)
# One member in twenty pays for another: bill this many more members than
# invoices wanted, and some to spare
MEMBERS_PER_INVOICE = 1.06
# Payments to valid KIDs of no invoice, per payment
UNKNOWN_SHARE = 0.01


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--payments', type=positive_int, default=10_000)
    add_database_arguments(
        parser, "trytond-worker processes billing the invoices on "
        "PostgreSQL (default: 2)")
    parser.add_argument(
        '--profile', metavar='FILE',
        help="write a cProfile of the import (all three phases) to FILE")
    return parser


def open_claims(union_id, count):
    """Return the first count open invoices of the union as (KID, amount)
    pairs, with the union's company id, KID algorithm, length and account
    number"""
    from trytond.pool import Pool

    pool = Pool()
    Unit = pool.get('kontingent.unit')
    Invoice = pool.get('account.invoice')
    union = Unit(union_id)
    invoices = Invoice.search([
            ('kontingent_unit', '=', union_id),
            ('state', '=', 'posted'),
            ('type', '=', 'out'),
            ], order=[('id', 'ASC')], limit=count)
    claims = [(i.kontingent_kid, i.total_amount) for i in invoices]
    return (claims, union.company.id, union.kid_algorithm, union.kid_length,
        union.account_number)


def import_file(company_id, data, transmission, timings):
    """Import the OCR Giro file data, parsed as transmission, as
    OCRFile.import_file does, timing its phases into timings; return the
    file's counts"""
    from trytond.modules.kontingent.ocr_import import Importer
    from trytond.pool import Pool

    pool = Pool()
    OCRFile = pool.get('kontingent.ocr.file')
    Company = pool.get('company.company')
    # An attempt repeated for a lock starts the clock again
    started = time.perf_counter()
    company = Company(company_id)
    OCRFile.lock_posting(company, transmission)
    ocr_file = OCRFile.receive(company, transmission, 'bench.txt')
    importer = Importer(ocr_file, transmission)
    statements = importer.statements(data)
    timings['import'] = time.perf_counter() - started

    started = time.perf_counter()
    importer.post(statements)
    timings['reconcile'] = time.perf_counter() - started
    return ocr_file.payments, ocr_file.matched, ocr_file.unmatched


def check(kids, unknown):
    """Return the number of paid invoices after checking that the invoices
    of kids are paid and the unknown payments queued"""
    from trytond.pool import Pool

    pool = Pool()
    Invoice = pool.get('account.invoice')
    Unmatched = pool.get('kontingent.payment.unmatched')
    paid = Invoice.search_count([
            ('kontingent_kid', 'in', kids), ('state', '=', 'paid')])
    queued = Unmatched.search_count([('reason', '=', 'unknown_kid')])
    if paid != len(kids) or queued != unknown:
        raise SystemExit(
            f"check failed: {paid} of {len(kids)} invoices paid, "
            f"{queued} of {unknown} unknown payments queued")
    return paid


def main(argv=None):
    options = build_parser().parse_args(argv)
    optimise()
    with tempfile.TemporaryDirectory() as directory:
        configure_trytond(options.database_uri, directory)
        return run(options)


def run(options):
    from trytond import config
    from trytond.modules.kontingent.cli import (
        in_transaction, run_queued_tasks)
    from trytond.modules.kontingent.demo.payments import (
        choose_payments, payment_file)
    from trytond.modules.kontingent.formats import ocr_giro

    database = f'bench_ocr_{uuid.uuid4().hex[:8]}'
    sqlite = options.database_uri.startswith('sqlite')
    started = time.perf_counter()
    members = round(options.payments * MEMBERS_PER_INVOICE) + 10
    try:
        union_id, _ = bill_members(
            database, members, 0 if sqlite else options.workers)
        claims, company_id, algorithm, length, account = in_transaction(
            database, open_claims, union_id, options.payments)
        if len(claims) < options.payments:
            raise SystemExit(
                f"the run made {len(claims)} invoices, not "
                f"{options.payments}")
        unknown = round(options.payments * UNKNOWN_SHARE)
        payments = choose_payments(
            claims, 1, unknown, algorithm, length, random.Random(1))
        data = payment_file(
            payments, number='0000001', data_recipient='00010200',
            agreement_id='000000001', account=account,
            date=PAYMENT_DATE).encode('iso-8859-1')
        print(f"set-up: {len(claims)} open invoices in "
            f"{time.perf_counter() - started:.0f} s (not timed)")
        # Without workers, as `kontingent import-ocr` runs from cron: the
        # tasks the import queues are run by the command after the commit
        config.set('queue', 'worker', 'False')

        profile = cProfile.Profile() if options.profile else None
        timings = {}
        if profile:
            profile.enable()
        # Parsed before the transaction, as `kontingent import-ocr` does
        started = time.perf_counter()
        transmission = ocr_giro.parse(data)
        timings['parse'] = time.perf_counter() - started
        counts = in_transaction(
            database, import_file, company_id, data, transmission, timings,
            date=PAYMENT_DATE, language='en')
        run_queued_tasks(database)
        total_s = time.perf_counter() - started
        if profile:
            profile.disable()
            profile.dump_stats(options.profile)
        # The commit and the queued tasks are the last of reconciling
        timings['reconcile'] = total_s - timings['parse'] - timings['import']
        sent, matched, unmatched = counts
        for phase in ['parse', 'import', 'reconcile']:
            print(f"{phase}: {sent} payments, {timings[phase]:.1f} s, "
                f"{sent / timings[phase]:.0f} payments/s")
        paid = in_transaction(
            database, check, [k for k, _ in claims], unknown)
        print(f"import-ocr: {sent} payments ({matched} matched, "
            f"{unmatched} unmatched, {paid} invoices paid) in "
            f"{total_s:.1f} s, {sent / total_s:.1f} payments/s")
    finally:
        if not sqlite:
            drop_database(database)
    print(f"RESULT payments={sent} payments_per_s={sent / total_s:.2f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
