# This file is part of Kontingent.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
import datetime
import random
import unittest

from stdnum.no import fodselsnummer, orgnr

from ..demo import data

REFERENCE_DATE = datetime.date(2024, 6, 1)
NO_DOMAINS = {'example.no', 'example.com', 'example.org'}


def _age(birth_date, date):
    return date.year - birth_date.year - (
        (date.month, date.day) < (birth_date.month, birth_date.day))


class DemoDataTestCase(unittest.TestCase):
    "Test the demo data generators and tables"

    def persons(self, seed, count):
        rng = random.Random(seed)
        return [data.norwegian_person(rng, REFERENCE_DATE)
            for _ in range(count)]

    def households(self, seed, count):
        rng = random.Random(seed)
        return [data.danish_household(rng, REFERENCE_DATE)
            for _ in range(count)]

    def test_fodselsnummer_of_persons(self):
        "Test the fødselsnummer matches birth date and gender"
        for person in self.persons(1, 500):
            number = person['fodselsnummer']
            with self.subTest(number=number):
                self.assertTrue(fodselsnummer.is_valid(number))
                self.assertEqual(
                    fodselsnummer.get_birth_date(number),
                    person['birth_date'])
                self.assertEqual(
                    fodselsnummer.get_gender(number),
                    'F' if person['female'] else 'M')

    def test_fodselsnummer_century_limits(self):
        "Test the fødselsnummer at the limits of the individual ranges"
        rng = random.Random(7)
        for birth_date in [
                datetime.date(1854, 1, 1), datetime.date(1899, 12, 31),
                datetime.date(1900, 1, 1), datetime.date(1939, 12, 31),
                datetime.date(1940, 1, 1), datetime.date(1999, 12, 31),
                datetime.date(2000, 1, 1), datetime.date(2020, 2, 29)]:
            for female in [True, False]:
                for _ in range(20):
                    number = data.norwegian_fodselsnummer(
                        rng, birth_date, female)
                    with self.subTest(number=number):
                        self.assertTrue(fodselsnummer.is_valid(number))
                        self.assertEqual(
                            fodselsnummer.get_birth_date(number), birth_date)
                        self.assertEqual(
                            fodselsnummer.get_gender(number),
                            'F' if female else 'M')

    def test_fodselsnummer_outside_ranges(self):
        "Test no fødselsnummer is made for years without a range"
        rng = random.Random(7)
        for birth_date in [
                datetime.date(1853, 12, 31), datetime.date(2040, 1, 1)]:
            with self.subTest(birth_date=birth_date):
                with self.assertRaises(ValueError):
                    data.norwegian_fodselsnummer(rng, birth_date, True)

    def test_person_ages(self):
        "Test the ages of persons fit a trade union"
        ages = [_age(p['birth_date'], REFERENCE_DATE)
            for p in self.persons(2, 2000)]
        self.assertGreaterEqual(min(ages), 16)
        self.assertLessEqual(max(ages), 90)
        working = sum(20 <= a < 67 for a in ages)
        retired = sum(a >= 67 for a in ages)
        self.assertGreater(working / len(ages), 0.7)
        self.assertGreater(retired / len(ages), 0.08)
        self.assertLess(retired / len(ages), 0.16)

    def test_household_ages(self):
        "Test households are run by adults"
        for household in self.households(3, 500):
            age = _age(household['birth_date'], REFERENCE_DATE)
            self.assertGreaterEqual(age, 25)
            self.assertLessEqual(age, 90)

    def test_determinism(self):
        "Test the same seed gives the same data and another seed not"
        self.assertEqual(self.persons(42, 50), self.persons(42, 50))
        self.assertNotEqual(self.persons(42, 50), self.persons(43, 50))
        self.assertEqual(self.households(42, 50), self.households(42, 50))
        self.assertNotEqual(
            self.households(42, 50), self.households(43, 50))
        self.assertEqual(
            data.employer(random.Random(5)), data.employer(random.Random(5)))

    def test_global_random_state_untouched(self):
        "Test the generators leave the global random state alone"
        state = random.getstate()
        self.persons(1, 20)
        self.households(1, 20)
        self.assertEqual(random.getstate(), state)

    def test_norwegian_references(self):
        "Test Norwegian postal codes, municipalities and counties agree"
        counties = {code for code, _ in data.NO_COUNTIES}
        municipalities = {code for code, _, _ in data.NO_MUNICIPALITIES}
        self.assertEqual(len(counties), len(data.NO_COUNTIES))
        self.assertEqual(len(municipalities), len(data.NO_MUNICIPALITIES))
        for code, _, county in data.NO_MUNICIPALITIES:
            self.assertIn(county, counties, msg=code)
        self.assertEqual(
            {county for _, _, county in data.NO_MUNICIPALITIES}, counties)
        postal_codes = [code for code, _, _ in data.NO_POSTAL_CODES]
        self.assertEqual(len(set(postal_codes)), len(postal_codes))
        for code, city, municipality in data.NO_POSTAL_CODES:
            self.assertRegex(code, r'^\d{4}$')
            self.assertIn(municipality, municipalities, msg=code)
        self.assertEqual(
            {m for _, _, m in data.NO_POSTAL_CODES}, municipalities)
        self.assertEqual(
            set(data.NO_MUNICIPALITY_POPULATION), municipalities)

    def test_person_places(self):
        "Test persons live at known places"
        postal_codes = {
            (code, city, municipality)
            for code, city, municipality in data.NO_POSTAL_CODES}
        counties = {
            code: county for code, _, county in data.NO_MUNICIPALITIES}
        for person in self.persons(4, 500):
            self.assertIn(
                (person['postal_code'], person['city'],
                    person['municipality']),
                postal_codes)
            self.assertEqual(
                person['county'], counties[person['municipality']])
            self.assertRegex(
                person['phone'], r'^\+47 [49]\d\d \d\d \d\d\d$')

    def test_danish_references(self):
        "Test Danish postal codes, municipalities and regions agree"
        regions = {code for code, _ in data.DK_REGIONS}
        self.assertEqual(regions, {'81', '82', '83', '84', '85'})
        municipalities = {code for code, _, _ in data.DK_MUNICIPALITIES}
        for code, _, region in data.DK_MUNICIPALITIES:
            self.assertIn(region, regions, msg=code)
        postal_codes = {code for code, _, _ in data.DK_POSTAL_CODES}
        self.assertEqual(len(postal_codes), len(data.DK_POSTAL_CODES))
        for code, city, municipality in data.DK_POSTAL_CODES:
            self.assertIn(municipality, municipalities, msg=code)
        self.assertLessEqual(
            set(data.DK_ASSOCIATION_POSTAL_WEIGHTS), postal_codes)

    def test_households_places(self):
        "Test all households live at known Danish places"
        postal_codes = {row[0]: row for row in data.DK_POSTAL_CODES}
        regions = {
            code: region for code, _, region in data.DK_MUNICIPALITIES}
        for household in self.households(5, 1000):
            code = household['postal_code']
            self.assertIn(code, postal_codes)
            self.assertEqual(
                (household['city'], household['municipality']),
                postal_codes[code][1:])
            self.assertEqual(
                household['region'], regions[household['municipality']])
            self.assertRegex(
                household['phone'], r'^\+45 \d\d \d\d \d\d \d\d$')

    def test_employers(self):
        "Test every employer has a valid organisation number"
        self.assertGreaterEqual(len(data.NO_EMPLOYERS), 20)
        numbers = [number for _, number in data.NO_EMPLOYERS]
        self.assertEqual(len(set(numbers)), len(numbers))
        for name, number in data.NO_EMPLOYERS:
            with self.subTest(name=name):
                self.assertTrue(orgnr.is_valid(number))
        rng = random.Random(6)
        for _ in range(50):
            self.assertIn(data.employer(rng), data.NO_EMPLOYERS)

    def test_name_tables(self):
        "Test the name tables are clean and large enough"
        for table, minimum in [
                (data.NO_FIRST_NAMES_FEMALE, 60),
                (data.NO_FIRST_NAMES_MALE, 60),
                (data.NO_LAST_NAMES, 100),
                (data.NO_STREETS, 80),
                (data.DK_FIRST_NAMES_FEMALE, 40),
                (data.DK_FIRST_NAMES_MALE, 40),
                (data.DK_LAST_NAMES, 60),
                (data.DK_STREETS, 40),
                ]:
            self.assertGreaterEqual(len(table), minimum)
            self.assertEqual(len(set(table)), len(table))
            for value in table:
                self.assertEqual(value, value.strip())
                self.assertTrue(value)

    def test_generated_names(self):
        "Test generated names have no stray spaces"
        for row in self.persons(8, 300) + self.households(8, 300):
            for key in ['first_name', 'last_name', 'name', 'street', 'city']:
                value = row[key]
                self.assertEqual(value, value.strip())
                self.assertNotIn('  ', value)
            self.assertEqual(
                row['name'], '%s %s' % (row['first_name'], row['last_name']))

    def test_emails(self):
        "Test e-mails are ASCII and only use reserved domains"
        persons = self.persons(9, 1000)
        households = self.households(9, 1000)
        for rows, domains in [
                (persons, NO_DOMAINS), (households, {'example.dk'})]:
            emails = [r['email'] for r in rows if r['email'] is not None]
            self.assertGreater(len(emails), 0.7 * len(rows))
            self.assertLess(len(emails), 0.95 * len(rows))
            for email in emails:
                with self.subTest(email=email):
                    self.assertTrue(email.isascii())
                    self.assertEqual(email, email.lower())
                    self.assertRegex(email, r'^[a-z0-9.-]+@[a-z.]+$')
                    self.assertIn(email.split('@')[1], domains)


if __name__ == '__main__':
    unittest.main()
