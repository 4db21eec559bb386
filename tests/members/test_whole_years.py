"""党龄 and age count completed years as relativedelta does, including 29 February (an anniversary on 28 February
in other years): the API computes them for every row, so they are plain arithmetic, checked here day by day."""
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta

from members.models.registry import whole_years


@pytest.mark.parametrize("since", [date(1996, 2, 29), date(2000, 2, 29), date(1999, 2, 28), date(1999, 3, 1),
                                   date(1987, 12, 31), date(2004, 1, 1)])
def test_whole_years_agrees_with_relativedelta_every_day_for_nine_years(since):
    for day in range(0, 366 * 9):
        on = since + timedelta(days=day)
        assert whole_years(since, on) == relativedelta(on, since).years, (since, on)


def test_a_leap_day_anniversary():
    assert whole_years(date(1996, 2, 29), date(1997, 2, 27)) == 0
    assert whole_years(date(1996, 2, 29), date(1997, 2, 28)) == 1
    assert whole_years(date(1996, 2, 29), date(2000, 2, 28)) == 3     # a leap year: 29 February is the day
    assert whole_years(date(1996, 2, 29), date(2000, 2, 29)) == 4
