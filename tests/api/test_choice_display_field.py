"""ChoiceDisplayField gives the same label as get_FOO_display (it replaced it for speed on list pages)."""
from datetime import date

import pytest

from branches.api.serializers import OrganizationSerializer
from branches.models import Locality, Organization, OrganizationKind
from portal.api import ChoiceDisplayField


def test_labels_match_get_display_and_unknown_values_pass_through():
    field = ChoiceDisplayField(choices=OrganizationKind.choices)
    for value, label in OrganizationKind.choices:
        assert field.to_representation(value) == str(label)
    assert field.to_representation("") == ""
    assert field.to_representation("zz") == "zz"
    assert field.read_only


@pytest.mark.django_db
def test_organization_serializer_displays_match_model():
    org = Organization.add_root(name="机关党委", kind=OrganizationKind.COMMITTEE, code="T1",
                                  established_on=date(2000, 1, 1), locality=Locality.choices[-1][0])
    field_kind = OrganizationSerializer().fields["kind_display"]
    field_loc = OrganizationSerializer().fields["locality_display"]
    assert field_kind.to_representation(org.kind) == org.get_kind_display()
    assert field_loc.to_representation(org.locality) == org.get_locality_display()
