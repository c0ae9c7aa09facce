# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta
from trytond.pyson import Eval

KINDS = [
    (None, ""),
    ('membership', "Membership Type"),
    ('addon', "Add-on"),
    ('entry_fee', "Entry Fee"),
    ]

DUES_CATEGORIES = [
    (None, ""),
    ('ordinary', "Ordinary"),
    ('student', "Student"),
    ('apprentice', "Apprentice"),
    ('retired', "Retired"),
    ('unemployed', "Unemployed"),
    ('honorary', "Honorary"),
    ('household', "Household"),
    ('associate', "Associate"),
    ]

PERIODS = [
    (None, ""),
    ('year', "Year"),
    ('half_year', "Half-year"),
    ('quarter', "Quarter"),
    ('month', "Month"),
    ]


class Template(metaclass=PoolMeta):
    __name__ = 'product.template'

    kontingent_kind = fields.Selection(
        KINDS, "Dues Kind",
        states={
            'invisible': Eval('type') != 'service',
            },
        help="How membership billing uses the product.")
    kontingent_unit = fields.Many2One(
        'kontingent.unit', "Organisation Unit", ondelete='RESTRICT',
        states={
            'invisible': ~Eval('kontingent_kind'),
            'required': Eval('kontingent_kind').in_(['membership', 'addon']),
            })
    dues_category = fields.Selection(
        DUES_CATEGORIES, "Dues Category",
        states={
            'invisible': Eval('kontingent_kind') != 'membership',
            'required': Eval('kontingent_kind') == 'membership',
            })
    dues_period = fields.Selection(
        PERIODS, "Dues Period",
        states={
            'invisible': ~Eval('kontingent_kind').in_(
                ['membership', 'addon']),
            'required': Eval('kontingent_kind').in_(['membership', 'addon']),
            },
        help="The length of the period one price covers.")


class Product(metaclass=PoolMeta):
    "Registered so that variants mirror the dues fields of the template"
    __name__ = 'product.product'
