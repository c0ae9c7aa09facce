# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Payment files and numbers of the Nordic banks, in pure Python.

Nothing in this package imports trytond: each module reads and writes one
format or checks one kind of number, raising its own exceptions, so that it
can be tested on real files without a database.
"""
