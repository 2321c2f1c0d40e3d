"""Export resources of the portal app (django-import-export), with French headers."""

from import_export import fields, resources

from portal.models import AuditEvent


class AuditEventResource(resources.ModelResource):
    date = fields.Field(attribute="created_at", column_name="Date")
    actor = fields.Field(attribute="actor_label", column_name="Auteur")
    action_label = fields.Field(attribute="action_label", column_name="Action")
    action = fields.Field(attribute="action", column_name="Code de l'action")
    target = fields.Field(attribute="target_label", column_name="Objet")
    target_type = fields.Field(column_name="Type d'objet")
    ip_address = fields.Field(attribute="ip_address", column_name="Adresse IP")
    data = fields.Field(attribute="data", column_name="Détails (avant / après)")

    class Meta:
        model = AuditEvent
        fields = ("date", "actor", "action_label", "action", "target_type", "target", "ip_address", "data")
        export_order = fields

    def dehydrate_target_type(self, event):
        return event.target_type.name if event.target_type_id else ""

    def dehydrate_date(self, event):
        from portal.exports import french_cell

        return french_cell(event.created_at)
