# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""How fast a billing run bills N members, against stock sale_subscription.

A fresh database gets Kontingent, one organisation (the demo's union with
its branches, products, price and proration rules, accounts and KID scheme)
and N active members paying yearly dues, about one in ten with an add-on and
one in twenty paid for by another member.  Loading the members is not
timed: they are copied in bulk from one member made through the ORM, as a
migration would load them.  Then a billing run for the whole union and the
coming year is timed in its two phases:

1. calculate: price every membership with its rules, write the run's lines,
   key figures and changes, in parts of 2,000 memberships (as the button
   does for a run of more);
2. confirm: create and post one invoice per payer with its KID, in batches.
On PostgreSQL the parts and the batches are ir.queue tasks run by --workers
trytond-worker processes, as in production; on SQLite, which allows one
writer, they run one after the other in this process.

The baseline is bench/subscription_baseline.py on --baseline-members
members (200 by default: stock sale_subscription saves all its invoices in
one call, which SQLite refuses from about 1000 customers) on the same
database server, posting each invoice on its own.  Rendering the invoice
documents is queued to a worker in both and not timed.  From the top of
the repository:

    .venv/bin/python bench/billing.py [--members N]
        [--database-uri postgresql://postgres@127.0.0.1:5433/]
        [--workers W] [--baseline-members M]

The last line printed is, for scripts to read:

    RESULT members=N invoices_per_s=R baseline_invoices_per_s=B ratio=X
"""
import argparse
import contextlib
import datetime
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
BILLING_DATE = datetime.date(2027, 1, 1)
TODAY = datetime.date(2026, 12, 1)
# Members of all kinds made by the demo builder, the rest are copies
DEMO_MEMBERS = 100
# Members copied per INSERT while loading
LOAD_SIZE = 1000


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of 0 or more")
    return value


def add_database_arguments(parser, workers_help):
    "Add the --database-uri and --workers options every bench takes"
    parser.add_argument(
        '--database-uri', default='sqlite://',
        help="e.g. postgresql://postgres@127.0.0.1:5433/ (default: SQLite "
        "in a temporary directory)")
    parser.add_argument(
        '--workers', type=positive_int, default=2, help=workers_help)


def optimise():
    """Run the bench again with Python's -O unless it already runs so

    As in production (doc/performance.rst): trytond's assertions cost a
    third of the time.  The processes the bench starts inherit it.
    """
    if not sys.flags.optimize:
        os.environ['PYTHONOPTIMIZE'] = '1'
        os.execv(sys.executable, [sys.executable, *sys.argv])


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--members', type=positive_int, default=10_000)
    add_database_arguments(
        parser, "trytond-worker processes on PostgreSQL (default: 2)")
    parser.add_argument(
        '--baseline-members', type=positive_int, default=200,
        help="members invoiced by sale_subscription (default: 200; "
        "0 skips the baseline)")
    return parser


def configure_trytond(database_uri, sqlite_directory):
    "Point trytond at the database; runs before any import of trytond"
    os.environ.pop('TRYTOND_CONFIG', None)
    os.environ['TRYTOND_DATABASE__URI'] = database_uri
    os.environ['TRYTOND_DATABASE__PATH'] = sqlite_directory
    os.environ['TRYTOND_QUEUE__WORKER'] = 'True'
    from trytond import config
    config.update_etc()


def set_up(database, members):
    "Build the union with members in a new database; return its id"
    from trytond.modules.kontingent.cli import in_transaction, open_database
    from trytond.modules.kontingent.demo.build import build

    open_database(database)
    demo_members = min(members, DEMO_MEMBERS)
    builder = in_transaction(
        database, build, TODAY, demo_members, 0, 1, None, language='en',
        date=TODAY, kontingent_skip_billing=True)
    union_id = builder.union_root.id
    if members > demo_members:
        in_transaction(
            database, load_members, union_id, members - demo_members)
    return union_id


def load_members(union_id, count):
    """Copy the union's first active member, who pays alone, count times
    with new names and member numbers; every 20th copy pays for the next

    The demo's KIDs of 12 digits leave 5 to number the claims: the union
    grown this big takes KIDs of 15 digits, 8 for the claims."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    pool = Pool()
    Membership = pool.get('kontingent.membership')
    Party = pool.get('party.party')
    Address = pool.get('party.address')
    Unit = pool.get('kontingent.unit')
    cursor = Transaction().connection.cursor()
    union = Unit(union_id)
    union.kid_length = 15
    union.save()
    model, = Membership.search([
            ('unit', 'child_of', [union_id], 'parent'),
            ('state', '=', 'active'),
            ('start_date', '<', TODAY.replace(month=1, day=1)),
            ('end_date', '=', None),
            ('payer', '=', None),
            ('party.member_payer', '=', None),
            ('party.member_free', '=', False),
            ('party.addresses', '!=', None),
            ], limit=1, order=[('id', 'ASC')])
    address, = model.party.addresses[:1]
    numbers = iter(union.next_member_numbers(count))
    branches = [u.id for u in union.children]
    for start in range(0, count, LOAD_SIZE):
        size = min(LOAD_SIZE, count - start)
        branch = [branches[(start + i) % len(branches)] for i in range(size)]
        party_ids = copy_rows(cursor, Party, model.party.id, [{
                    'name': f"Bench Member {start + i}",
                    'code': f"BENCH{start + i}",
                    'member_number': next(numbers),
                    'member_unit': branch[i],
                    'member_payer': None,
                    } for i in range(size)])
        copy_rows(cursor, Address, address.id, [
                {'party': party_id} for party_id in party_ids])
        copy_rows(cursor, Membership, model.id, [{
                    'party': party_id,
                    'payer': party_ids[i - 1] if i % 20 == 1 else None,
                    'unit': branch[i],
                    } for i, party_id in enumerate(party_ids)])


def copy_rows(cursor, Model, model_id, changes):
    "Insert a copy of row model_id for each dict of changes; return the ids"
    from sql.aggregate import Max

    table = Model.__table__()
    cursor.execute(*table.select(Max(table.id)))
    last_id, = cursor.fetchone()
    cursor.execute(*table.select(where=table.id == model_id))
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone()))
    names.remove('id')
    cursor.execute(*table.insert(
            [getattr(table, n) for n in names],
            [[change.get(n, row[n]) for n in names] for change in changes]))
    cursor.execute(*table.select(
            table.id, where=table.id > last_id, order_by=table.id.asc))
    return [i for i, in cursor]


def create_run(union_id):
    from trytond.pool import Pool

    pool = Pool()
    Run = pool.get('kontingent.billing.run')
    Unit = pool.get('kontingent.unit')
    union = Unit(union_id)
    run = Run(company=union.company, unit=union, billing_date=BILLING_DATE,
        invoice_date=TODAY, due_date=TODAY + datetime.timedelta(days=30))
    run.save()
    return run.id


def calculate(run_id):
    "Calculate the run, or queue its parts; return its state"
    from trytond.pool import Pool

    Run = Pool().get('kontingent.billing.run')
    Run.calculate([Run(run_id)])
    return Run(run_id).state


def figures(run_id):
    from trytond.pool import Pool

    Run = Pool().get('kontingent.billing.run')
    run = Run(run_id)
    return run.members, run.errors


def queued_tasks():
    "Return the ids of the billing queue's tasks not run yet"
    from trytond.modules.kontingent.billing import QUEUE
    from trytond.pool import Pool

    Queue = Pool().get('ir.queue')
    return [t.id for t in Queue.search([
                ('name', '=', QUEUE),
                ('finished_at', '=', None),
                ], order=[('id', 'ASC')])]


def run_task(task_id):
    from trytond.pool import Pool

    Queue = Pool().get('ir.queue')
    Queue(task_id).run()


def confirm(run_id):
    "Queue the run's batches for the workers"
    from trytond.pool import Pool

    Run = Pool().get('kontingent.billing.run')
    Run.confirm([Run(run_id)])


def start_processing(run_id):
    from trytond.pool import Pool

    Run = Pool().get('kontingent.billing.run')
    run, = Run.start_processing([Run(run_id)])
    return [[l.id for l in batch] for batch in run.batches()]


def bill(line_ids):
    from trytond.pool import Pool

    Line = Pool().get('kontingent.billing.line')
    Line.bill(Line.browse(line_ids))


def finish(run_id):
    from trytond.pool import Pool

    Run = Pool().get('kontingent.billing.run')
    Run.finish([Run(run_id)])


def run_progress(run_id):
    from trytond.pool import Pool

    Run = Pool().get('kontingent.billing.run')
    run = Run(run_id)
    return run.state, run.progress


def check(run_id):
    """Return the number of posted invoices after checking that each billed
    line has one, with a valid and unique KID, and the amounts agree"""
    from trytond.modules.kontingent.formats import kid
    from trytond.pool import Pool

    pool = Pool()
    Run = pool.get('kontingent.billing.run')
    Invoice = pool.get('account.invoice')
    run = Run(run_id)
    invoices = Invoice.search([('kontingent_billing_run', '=', run_id)])
    problems = []
    if run.state != 'done':
        problems.append(f"the run is {run.state}")
    states = {i.state for i in invoices}
    if states - {'posted'}:
        problems.append(f"invoices in state {', '.join(sorted(states))}")
    kids = [i.kontingent_kid for i in invoices]
    if len(set(kids)) != len(kids) or not all(
            kid.is_valid(k, run.unit.payee.kid_algorithm) for k in kids):
        problems.append("KIDs are missing, invalid or repeated")
    invoiced = sum(i.total_amount for i in invoices)
    if invoiced != run.total_amount:
        problems.append(
            f"the invoices total {invoiced}, the run {run.total_amount}")
    if problems:
        raise SystemExit("check failed: " + "; ".join(problems))
    return len(invoices)


def drop_database(name):
    """Drop the database, closing the connections the stopped workers
    may have left behind"""
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    Pool.stop(name)
    backend.Database(name).close()
    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        cursor = transaction.connection.cursor()
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid != pg_backend_pid()", (name,))
        transaction.database.drop(transaction.connection, name)


@contextlib.contextmanager
def billing_workers(database, workers):
    """Start workers trytond-worker processes on the billing queue, as in
    production; yield them (None for none) and stop them

    The workers take the billing queue only: rendering the invoice
    documents, queued by posting, is left out as in the baseline.
    """
    from trytond.modules.kontingent.billing import QUEUE

    if not workers:
        yield None
        return
    command = [os.path.join(os.path.dirname(sys.executable),
            'trytond-worker'), '-d', database, '-n', str(workers),
        '--name', QUEUE,
        # Tasks queued while the workers listen elsewhere: poll often
        '-t', '1']
    worker = subprocess.Popen(
        command, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield worker
    finally:
        stop_workers(worker)


def wait_while(database, run_id, state, in_transaction):
    "Wait for the workers to take the run out of state"
    last, stalled_since = -1, time.monotonic()
    while True:
        current, progress = in_transaction(database, run_progress, run_id)
        if current != state:
            return current
        if progress != last:
            last, stalled_since = progress, time.monotonic()
            print(f"  {state} {progress:.0%}", file=sys.stderr)
        elif time.monotonic() - stalled_since > 300:
            raise SystemExit(f"the workers did nothing for 5 minutes "
                f"while the run was {state}")
        time.sleep(1)


def stop_workers(process):
    """Stop a trytond-worker started in a session of its own and the
    processes it started, which outlive it"""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait()


def calculate_run(database, run_id, worker, in_transaction):
    """Calculate the run: a large one in parts, by the workers or, without
    them, one after the other in this process"""
    state = in_transaction(database, calculate, run_id)
    if state != 'calculating':
        return
    if worker:
        wait_while(database, run_id, 'calculating', in_transaction)
        return
    while task_ids := in_transaction(database, queued_tasks):
        for task_id in task_ids:
            in_transaction(database, run_task, task_id)


def bill_run(database, run_id, worker, in_transaction):
    """Bill the calculated run: by the workers, a queued batch after the
    other, or without them in this process"""
    if worker:
        in_transaction(database, confirm, run_id)
        wait_while(database, run_id, 'processing', in_transaction)
        return
    batches = in_transaction(database, start_processing, run_id)
    for batch in batches:
        in_transaction(database, bill, batch)
    in_transaction(database, finish, run_id)


def bill_members(database, members, workers, prepare=None):
    """Build the union with members in a new database and bill them all by
    a run, with workers on PostgreSQL (none: in this process); return the
    ids of the union and of the run

    prepare, if given, is called in a transaction of its own before the
    run."""
    from trytond.modules.kontingent.cli import in_transaction

    union_id = set_up(database, members)
    if prepare:
        in_transaction(database, prepare)
    run_id = in_transaction(database, create_run, union_id)
    with billing_workers(database, workers) as worker:
        calculate_run(database, run_id, worker, in_transaction)
        bill_run(database, run_id, worker, in_transaction)
    return union_id, run_id


def baseline(options):
    "Return the invoices per second of the sale_subscription baseline"
    command = [sys.executable, os.path.join(HERE, 'subscription_baseline.py'),
        '--members', str(options.baseline_members)]
    if options.database_uri != 'sqlite://':
        command += ['--database-uri', options.database_uri]
    # Its errors go to the terminal with the bench's own
    output = subprocess.run(
        command, check=True, stdout=subprocess.PIPE, text=True).stdout
    print(output, end='')
    return float(re.search(r'invoices_per_s=([\d.]+)', output).group(1))


def main(argv=None):
    options = build_parser().parse_args(argv)
    optimise()
    with tempfile.TemporaryDirectory() as directory:
        configure_trytond(options.database_uri, directory)
        return run(options)


def run(options):
    from trytond.modules.kontingent.cli import in_transaction

    database = f'bench_billing_{uuid.uuid4().hex[:8]}'
    sqlite = options.database_uri.startswith('sqlite')
    started = time.perf_counter()
    union_id = set_up(database, options.members)
    print(f"set-up: {options.members} members in "
        f"{time.perf_counter() - started:.0f} s (not timed)")
    try:
        run_id = in_transaction(database, create_run, union_id)
        workers = 0 if sqlite else options.workers
        with billing_workers(database, workers) as worker:
            started = time.perf_counter()
            calculate_run(database, run_id, worker, in_transaction)
            calculate_s = time.perf_counter() - started
            members, errors = in_transaction(database, figures, run_id)
            print(f"calculate: {members} members to bill, {errors} errors, "
                f"{calculate_s:.1f} s, {members / calculate_s:.1f} "
                "members/s")
            started = time.perf_counter()
            bill_run(database, run_id, worker, in_transaction)
            confirm_s = time.perf_counter() - started
        invoices = in_transaction(database, check, run_id)
        print(f"confirm: {invoices} invoices posted, {confirm_s:.1f} s, "
            f"{invoices / confirm_s:.1f} invoices/s, "
            f"{members / confirm_s:.1f} members/s")
        total_s = calculate_s + confirm_s
        invoices_per_s = invoices / total_s
        print(f"run: {members} members in {total_s:.1f} s, "
            f"{members / total_s:.1f} members/s, "
            f"{invoices_per_s:.1f} invoices/s")
    finally:
        if not sqlite:
            drop_database(database)
    baseline_per_s = baseline(options) if options.baseline_members else 0
    ratio = invoices_per_s / baseline_per_s if baseline_per_s else 0
    print(f"RESULT members={members} invoices_per_s={invoices_per_s:.2f} "
        f"baseline_invoices_per_s={baseline_per_s:.2f} ratio={ratio:.1f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
