"""A throwaway write endpoint on ScopedModelViewSet, to test the idempotency and scoping of writes."""
from django.urls import include, path
from rest_framework import serializers
from rest_framework.routers import SimpleRouter

from branches.models import Organization, OrganizationKind
from branches.services import organization_create
from portal.api import ScopedModelViewSet
from portal.scoping import MANAGE


class NewBranchSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.none(), write_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "code", "established_on", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["parent"].queryset = Organization.objects.restrict(request.user, MANAGE)

    def create(self, data):
        return organization_create(kind=OrganizationKind.BRANCH, **data)


class NewBranchViewSet(ScopedModelViewSet):
    queryset = Organization.objects.all()
    serializer_class = NewBranchSerializer
    scope_actions = {"create": MANAGE}


router = SimpleRouter()
router.register("branches", NewBranchViewSet, basename="test-branch")
urlpatterns = [path("api/v1/", include(router.urls))]
