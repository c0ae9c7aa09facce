# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""How fast a reminder run reminds N overdue members.

A fresh database gets the union of bench/billing.py, with its Norwegian
reminder procedure and NOK 35 fee, and enough members for N invoices,
billed by a billing run for the coming year and left unpaid (not timed).
Fifteen days after the due date a reminder run is timed in its two phases,
as `kontingent remind` runs them:

1. preview: generate the dunnings of the overdue claims (account_dunning's
   dunnings, generated in bulk) and group them into one letter per payer,
   with the payments not yet allocated;
2. send: process the dunnings, post one fee move per letter, log the
   letters' deliveries, in transactions of kontingent.reminder.BATCH_SIZE
   letters, and finish the run.

It checks that every overdue payer got one letter with one fee.  From the
top of the repository:

    .venv/bin/python bench/reminders.py [--members N]
        [--database-uri postgresql://postgres@127.0.0.1:5433/]

The last line printed is, for scripts to read:

    RESULT members=N seconds=S
"""
import argparse
import datetime
import os
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from billing import (  # noqa: E402
    TODAY, add_database_arguments, bill_members, configure_trytond,
    drop_database, optimise, positive_int)

# The billing run's claims fall due 30 days after TODAY; Norwegian
# reminders go 14 days after that at the earliest
REMINDER_DATE = TODAY + datetime.timedelta(days=30 + 15)
# One member in twenty pays for another: bill this many more members than
# letters wanted, and some to spare
MEMBERS_PER_INVOICE = 1.06


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--members', type=positive_int, default=20_000,
        help="overdue members to remind (default: %(default)s)")
    add_database_arguments(parser,
        "trytond-worker processes billing on PostgreSQL (default: 2)")
    return parser


def preview(company_id):
    from trytond.pool import Pool

    Run = Pool().get('kontingent.reminder.run')
    run = Run(company=company_id, date=REMINDER_DATE)
    run.save()
    Run.preview([run])
    return run.id, [[r.id for r in batch] for batch in run.batches()]


def send(run_id, reminder_ids):
    from trytond.pool import Pool

    pool = Pool()
    Run = pool.get('kontingent.reminder.run')
    Reminder = pool.get('kontingent.reminder')
    Reminder.send(Reminder.browse(reminder_ids), Run(run_id).date)


def finish(run_id):
    from trytond.pool import Pool

    Run = Pool().get('kontingent.reminder.run')
    Run.process([Run(run_id)])


def company_of(union_id):
    from trytond.pool import Pool

    return Pool().get('kontingent.unit')(union_id).company.id


def check(run_id):
    """Return the letters sent after checking one per overdue payer, each
    with one fee of NOK 35"""
    from trytond.pool import Pool

    pool = Pool()
    Run = pool.get('kontingent.reminder.run')
    Invoice = pool.get('account.invoice')
    FeeLevel = pool.get('account.dunning.fee.dunning_level')
    run = Run(run_id)
    overdue = Invoice.search([
            ('company', '=', run.company.id),
            ('state', '=', 'posted'),
            ('type', '=', 'out'),
            ])
    payers = {i.party.id for i in overdue}
    letters = [r for r in run.reminders if r.state == 'sent']
    fees = FeeLevel.search([('dunning.reminder.run', '=', run_id)])
    problems = []
    if run.state != 'done':
        problems.append(f"the run is {run.state}")
    if {r.party.id for r in letters} != payers or len(letters) != len(payers):
        problems.append(
            f"{len(letters)} letters for {len(payers)} overdue payers")
    if len(fees) != len(letters) or {f.amount for f in fees} != {35}:
        problems.append(f"{len(fees)} fees for {len(letters)} letters")
    if problems:
        raise SystemExit("check failed: " + "; ".join(problems))
    return len(letters)


def main(argv=None):
    options = build_parser().parse_args(argv)
    optimise()
    with tempfile.TemporaryDirectory() as directory:
        configure_trytond(options.database_uri, directory)
        return run(options)


def run(options):
    from trytond.modules.kontingent.cli import in_transaction

    database = f'bench_remind_{uuid.uuid4().hex[:8]}'
    sqlite = options.database_uri.startswith('sqlite')
    started = time.perf_counter()
    members = round(options.members * MEMBERS_PER_INVOICE) + 10
    try:
        union_id, _ = bill_members(
            database, members, 0 if sqlite else options.workers)
        company_id = in_transaction(database, company_of, union_id)
        print(f"set-up: {members} members billed in "
            f"{time.perf_counter() - started:.0f} s (not timed)")

        context = {'language': 'en', 'date': REMINDER_DATE}
        started = time.perf_counter()
        run_id, batches = in_transaction(
            database, preview, company_id, **context)
        preview_s = time.perf_counter() - started
        letters = sum(len(b) for b in batches)
        print(f"preview: {letters} letters in {preview_s:.1f} s, "
            f"{letters / preview_s:.0f} members/s")
        sending = time.perf_counter()
        for batch in batches:
            in_transaction(database, send, run_id, batch, **context)
        in_transaction(database, finish, run_id, **context)
        send_s = time.perf_counter() - sending
        total_s = time.perf_counter() - started
        print(f"send: {letters} letters in {send_s:.1f} s, "
            f"{letters / send_s:.0f} members/s")
        sent = in_transaction(database, check, run_id, **context)
        print(f"remind: {sent} overdue members in {total_s:.1f} s, "
            f"{sent / total_s:.0f} members/s")
    finally:
        if not sqlite:
            drop_database(database)
    print(f"RESULT members={sent} seconds={total_s:.1f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
