"""Public co-financing simulator (the old address of a theme's rule leads staff to its form)."""

from django.urls import path

from calls.views import simulator

app_name = "simulator"

urlpatterns = [
    path("", simulator.index, name="index"),
    path("<int:theme_id>/", simulator.theme_simulator, name="theme"),
    path("<int:theme_id>/regle/", simulator.theme_rule, name="rule"),
]
