"""allauth adapter: account e-mails go through the outbox and Celery like every other e-mail."""

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from portal.models import User
from portal.services import outbox_enqueue


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        message = self.render_mail(template_prefix, email, context)
        html_body = next(
            (content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), ""
        )
        with transaction.atomic():
            outbox_enqueue(
                event=f"account.{template_prefix.rsplit('/', 1)[-1]}",
                to_email=email,
                subject=message.subject,
                body=message.body,
                html_body=html_body,
                recipient=User.objects.filter(email__iexact=email).first(),
            )
