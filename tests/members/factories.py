from datetime import date

import factory

from members.models import Gender, Member, MemberCategory, MemberStatus
from members.validators import id_check_digit


def valid_id_number(n: int, birth: date = date(1985, 3, 12)) -> str:
    first17 = f"110101{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_digit(first17)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Gender.MALE
    birth_date = date(1985, 3, 12)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    category = MemberCategory.IN_SERVICE
    status = MemberStatus.FULL
    joined_on = date(2010, 7, 1)
    confirmed_on = date(2011, 7, 1)
    joined_branch_on = date(2015, 1, 1)
    id_number_masked = factory.Sequence(lambda n: f"110************{n % 10000:04d}")

    @factory.post_generation
    def with_id(obj, create, extracted, **kwargs):
        if extracted:
            obj.set_id_number(extracted)
            if create:
                obj.save()
