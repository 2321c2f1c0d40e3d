"""The site's home page, mounted at the root without a namespace (name "home")."""

from django.urls import path

from calls.views import public

urlpatterns = [
    path("", public.home, name="home"),
]
