# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields

from .exceptions import ProrationRuleError
from .period import PERIOD_MONTHS
from .pricing import ProrationSpec
from .product import PERIODS


class ProrationRule(ModelSQL, ModelView):
    "Proration Rule"
    __name__ = 'kontingent.proration.rule'

    unit = fields.Many2One(
        'kontingent.unit', "Unit", required=True, ondelete='CASCADE')
    period = fields.Selection(
        [p for p in PERIODS if p[0]], "Dues Period", required=True)
    after_months = fields.Integer(
        "Joined After (Months)", required=True,
        help="Whole months after the start of the period: "
        "6 for members joining from 1 July in a calendar year.")
    percentage = fields.Numeric(
        "Percentage of Price", digits=(16, 2), required=True,
        help="What the member pays of the period's price; "
        "0 makes the rest of the period free.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('window_unique', Unique(t, t.unit, t.period, t.after_months),
                'kontingent.msg_proration_rule_unique'),
            ]
        cls._order = [
            ('unit', 'ASC'),
            ('period', 'ASC'),
            ('after_months', 'ASC'),
            ('id', 'ASC'),
            ]

    @classmethod
    def default_period(cls):
        return 'year'

    def get_rec_name(self, name):
        return f'{self.unit.rec_name}: {self.after_months} → {self.percentage}'

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        for rule in rules:
            months = PERIOD_MONTHS[rule.period]
            if not 0 < rule.after_months < months:
                raise ProrationRuleError(gettext(
                        'kontingent.msg_proration_rule_months',
                        rule=rule.rec_name, months=months - 1))
            if not Decimal(0) <= rule.percentage <= Decimal(100):
                raise ProrationRuleError(gettext(
                        'kontingent.msg_proration_rule_percentage',
                        rule=rule.rec_name))

    @classmethod
    def specs_for(cls, units, period):
        "Return the rules of the nearest unit that has rules for period"
        for unit in units:
            rules = cls.search([
                    ('unit', '=', unit.id),
                    ('period', '=', period),
                    ])
            if rules:
                return [
                    ProrationSpec(r.after_months, r.percentage / 100)
                    for r in rules]
        return []
