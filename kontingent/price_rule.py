# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from decimal import Decimal

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, fields, sequence_ordered)
from trytond.pyson import Eval

from .exceptions import PriceError, PriceRuleError
from .pricing import PriceRuleSpec

RESULTS = [
    ('amount', "Fixed Amount"),
    ('percentage', "Percentage of Base Price"),
    ('product', "Alternative Product"),
    ]


class PriceRule(
        sequence_ordered(), DeactivableMixin, ModelSQL, ModelView):
    "Price Rule"
    __name__ = 'kontingent.price.rule'

    name = fields.Char("Name", required=True, translate=True)
    unit = fields.Many2One(
        'kontingent.unit', "Unit", required=True, ondelete='CASCADE')
    product = fields.Many2One(
        'product.product', "Membership Type or Add-on",
        ondelete='CASCADE',
        domain=[
            ('kontingent_kind', 'in', ['membership', 'addon']),
            ],
        help="Leave empty to apply to every membership type.")
    min_age = fields.Integer(
        "From Age",
        domain=['OR', ('min_age', '=', None), ('min_age', '>=', 0)],
        help="Age in completed years on the billing date.")
    max_age = fields.Integer(
        "To Age",
        domain=['OR', ('max_age', '=', None), ('max_age', '>=', 0)],
        help="Included: 25 matches members who are 25.")
    employment_status = fields.Many2One(
        'kontingent.employment_status', "Employment Status",
        ondelete='RESTRICT')
    location = fields.Many2One(
        'country.subdivision', "Location", ondelete='RESTRICT',
        help="A county, region or municipality; "
        "it matches the members living inside it.")
    join_date_from = fields.Date("Joined From")
    join_date_to = fields.Date("Joined Until")
    result = fields.Selection(RESULTS, "Result", required=True)
    amount = fields.Numeric(
        "Amount", digits=(16, 2),
        states={
            'invisible': Eval('result') != 'amount',
            })
    percentage = fields.Numeric(
        "Percentage", digits=(16, 2),
        states={
            'invisible': Eval('result') != 'percentage',
            },
        help="Of the product's list price: 50 halves it.")
    alternative_product = fields.Many2One(
        'product.product', "Alternative Product", ondelete='RESTRICT',
        domain=[
            ('kontingent_kind', 'in', ['membership', 'addon']),
            ],
        states={
            'invisible': Eval('result') != 'product',
            },
        help="The member pays the list price of this product instead.")

    @classmethod
    def default_result(cls):
        return 'amount'

    @classmethod
    def validate_fields(cls, rules, field_names):
        super().validate_fields(rules, field_names)
        for rule in rules:
            rule.check_result()
            rule.check_ranges()

    def check_result(self):
        value = {
            'amount': self.amount,
            'percentage': self.percentage,
            'product': self.alternative_product,
            }.get(self.result)
        if value is None:
            raise PriceRuleError(gettext(
                    'kontingent.msg_price_rule_result_missing',
                    rule=self.rec_name))
        if isinstance(value, Decimal) and value < 0:
            raise PriceRuleError(gettext(
                    'kontingent.msg_price_rule_result_negative',
                    rule=self.rec_name))

    def check_ranges(self):
        if (self.min_age is not None and self.max_age is not None
                and self.min_age > self.max_age):
            raise PriceRuleError(gettext(
                    'kontingent.msg_price_rule_age_range',
                    rule=self.rec_name))
        if (self.join_date_from and self.join_date_to
                and self.join_date_from > self.join_date_to):
            raise PriceRuleError(gettext(
                    'kontingent.msg_price_rule_join_date_range',
                    rule=self.rec_name))

    @classmethod
    def specs_for(cls, units, product):
        """Return the rules for product from units in priority order

        A rule without a product applies to membership types only, so that a
        student discount does not halve the TV package a student adds.
        Between rules of the same sequence the nearer unit wins.
        """
        product_domain = [('product', '=', product.id)]
        if product.kontingent_kind == 'membership':
            product_domain = ['OR', product_domain, ('product', '=', None)]
        rules = cls.search([
                ('unit', 'in', [u.id for u in units]),
                product_domain,
                ])
        distance = {u.id: i for i, u in enumerate(units)}
        rules.sort(key=lambda r: (r.sequence is None, r.sequence or 0,
                distance[r.unit.id]))
        return [rule.spec() for rule in rules]

    def spec(self):
        alternative_price = None
        if self.alternative_product:
            alternative_price = self.alternative_product.list_price_used
            if alternative_price is None:
                raise PriceError(gettext(
                        'kontingent.msg_price_rule_alternative_price_missing',
                        rule=self.rec_name,
                        product=self.alternative_product.rec_name))
        return PriceRuleSpec(
            id=self.id,
            name=self.name,
            product=self.product.id if self.product else None,
            min_age=self.min_age,
            max_age=self.max_age,
            employment_status=(
                self.employment_status.id
                if self.employment_status else None),
            location=self.location.id if self.location else None,
            join_date_from=self.join_date_from,
            join_date_to=self.join_date_to,
            result=self.result,
            amount=self.amount,
            percentage=self.percentage,
            alternative_price=alternative_price)
