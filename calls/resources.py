"""Export resources of calls (django-import-export), with French headers."""

from import_export import fields, resources

from calls.models import InfoSessionRegistration
from portal.exports import french_cell


class InfoSessionRegistrationResource(resources.ModelResource):
    info_session = fields.Field(column_name="Réunion")
    starts_at = fields.Field(column_name="Début de la réunion")
    name = fields.Field(attribute="name", column_name="Nom et prénom")
    email = fields.Field(attribute="email", column_name="Adresse e-mail")
    organisation_name = fields.Field(attribute="organisation_name", column_name="Organisation")
    attendance = fields.Field(column_name="Participation")
    created_at = fields.Field(column_name="Inscrit le")
    cancelled_at = fields.Field(column_name="Annulée le")

    class Meta:
        model = InfoSessionRegistration
        fields = (
            "info_session",
            "starts_at",
            "name",
            "email",
            "organisation_name",
            "attendance",
            "created_at",
            "cancelled_at",
        )
        export_order = fields

    def dehydrate_info_session(self, registration):
        return registration.info_session.title

    def dehydrate_starts_at(self, registration):
        return french_cell(registration.info_session.starts_at)

    def dehydrate_attendance(self, registration):
        return str(registration.get_attendance_display())

    def dehydrate_created_at(self, registration):
        return french_cell(registration.created_at)

    def dehydrate_cancelled_at(self, registration):
        return french_cell(registration.cancelled_at)
