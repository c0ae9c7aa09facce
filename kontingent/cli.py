# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The `kontingent` command: membership billing from scripts and cron.

This is the outermost layer: it reads the trytond configuration, the clock
and the command line, and hands dates and numbers to the module.
"""
import argparse
import datetime
import os
import sys
import time

LANGUAGES = ['en', 'nb', 'da']


class CommandError(Exception):
    "A problem the user can fix, reported without a traceback"


class Progress:
    "A one-line progress bar on a terminal, plain lines elsewhere"

    def __init__(self, stream=sys.stderr, width=30):
        self.stream = stream
        self.width = width
        self.tty = stream.isatty()
        self.label = None
        self.started = time.monotonic()

    def __call__(self, label, done, total):
        if label != self.label:
            if self.label is not None and self.tty:
                self.stream.write('\n')
            self.label = label
            self.started = time.monotonic()
        filled = self.width * done // total if total else self.width
        bar = '#' * filled + '.' * (self.width - filled)
        elapsed = time.monotonic() - self.started
        line = f'{label:<32} [{bar}] {done}/{total} {elapsed:6.1f}s'
        if self.tty:
            self.stream.write('\r' + line)
        elif done == total:
            self.stream.write(line + '\n')
        self.stream.flush()

    def close(self):
        if self.label is not None and self.tty:
            self.stream.write('\n')
        self.label = None


def parse_date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date of the form YYYY-MM-DD")


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a whole number of 0 or more")
    return value


def load_config(path):
    from trytond.config import config
    path = path or os.environ.get('TRYTOND_CONFIG')
    if path and not os.path.isfile(path):
        raise CommandError(f"configuration file {path} does not exist")
    config.update_etc(path)
    return config


def in_transaction(database, function, *args, **context):
    """Return function(*args) run in a transaction on database as root

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


def open_database(name, admin_password=None):
    """Return the Pool of database name, creating and activating the module
    when the database is new"""
    from trytond import backend
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(
            None, 0, close=True, autocommit=True) as transaction:
        if name not in transaction.database.list():
            transaction.database.create(transaction.connection, name)
    database = backend.Database(name)
    database.connect()
    created = not database.test()
    if created:
        database.init()
    pool = Pool(name)
    pool.init(
        update=['kontingent'] if created else None,
        lang=LANGUAGES if created else None,
        activatedeps=True)
    if created:
        in_transaction(name, _set_up_database, pool, admin_password)
    return pool, created


def _set_up_database(pool, admin_password):
    Lang = pool.get('ir.lang')
    User = pool.get('res.user')
    Lang.write(Lang.search([('code', 'in', LANGUAGES)]), {
            'translatable': True,
            })
    admin, = User.search([('login', '=', 'admin')])
    admin.password = admin_password
    admin.save()


def command_demo(options):
    from .demo.build import build

    date = options.date or datetime.date.today()
    progress = Progress()
    pool, created = open_database(options.database, options.admin_password)
    if not created:
        raise CommandError(
            f"database {options.database!r} exists already; the demo is "
            "built into a new database only")
    try:
        in_transaction(
            options.database, build, date, options.members,
            options.households, options.seed, progress, language='en',
            date=date)
    except ValueError as exception:
        raise CommandError(str(exception)) from exception
    progress.close()
    print(f"Demo database {options.database!r} is ready "
        f"({options.members} Demoforbundet members, "
        f"{options.households} Antenneforeningen households, "
        f"as of {date.isoformat()}).")
    print(f"Log in as: admin / {options.admin_password}")


def build_parser():
    parser = argparse.ArgumentParser(
        prog='kontingent',
        description="Membership dues billing for Tryton.")
    parser.add_argument(
        '-c', '--config', dest='config',
        help="trytond configuration file (default: $TRYTOND_CONFIG)")
    commands = parser.add_subparsers(dest='command', required=True)

    demo = commands.add_parser(
        'demo', help="build the demo organisations in a new database")
    demo.add_argument('-d', '--database', required=True)
    demo.add_argument(
        '--members', type=positive_int, default=2000,
        help="Demoforbundet members (default: %(default)s)")
    demo.add_argument(
        '--households', type=positive_int, default=500,
        help="Antenneforeningen households (default: %(default)s)")
    demo.add_argument(
        '--seed', type=int, default=1,
        help="random seed; the same seed builds the same demo")
    demo.add_argument(
        '--date', type=parse_date,
        help="the demo's today (default: the real today)")
    demo.add_argument(
        '--admin-password', default='admin',
        help="password of the admin user (default: %(default)s)")
    demo.set_defaults(function=command_demo)
    return parser


def main(argv=None):
    parser = build_parser()
    options = parser.parse_args(argv)
    try:
        load_config(options.config)
        options.function(options)
    except CommandError as exception:
        print(f"kontingent: error: {exception}", file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
