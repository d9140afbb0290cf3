from dateutil.relativedelta import relativedelta


def age_at(patient, moment):
    """The patient's age in years at `moment` (None when unknown), for the
    limits' age groups."""
    if not patient or not patient.birth_date or not moment:
        return None
    delta = relativedelta(moment.date(), patient.birth_date)
    return delta.years + delta.months / 12 + delta.days / 365.25
