import functools

from dateutil.relativedelta import relativedelta


def age_at(patient, moment):
    """The patient's age in years at `moment` (None when unknown), for the
    limits' age groups."""
    if not patient or not patient.birth_date or not moment:
        return None
    return _age(patient.birth_date, moment.date())


@functools.lru_cache(maxsize=4096)
def _age(birth_date, day):
    """Years between two dates (the lines of a report share them: computed
    once)."""
    delta = relativedelta(day, birth_date)
    return delta.years + delta.months / 12 + delta.days / 365.25
