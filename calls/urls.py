"""Public pages of calls: list, call and theme pages, info sessions, calendar.

Fixed paths come before `<slug>/`: a call cannot be named « calendrier » or « reunions ».
"""

from django.urls import path

from calls.views import public

app_name = "calls"

urlpatterns = [
    path("", public.call_list, name="public_list"),
    path("calendrier/", public.calendar, name="calendar"),
    path("calendrier.ics", public.calendar_ics, name="calendar_ics"),
    path("reunions/<int:pk>/inscription/", public.info_session_register, name="info_session_register"),
    path("reunions/<int:pk>/reunion.ics", public.info_session_ics, name="info_session_ics"),
    path("reunions/annulation/<str:token>/", public.registration_cancel, name="registration_cancel"),
    path("<slug:slug>/", public.call_detail, name="call_detail"),
    path("<slug:slug>/themes/<str:code>/", public.theme_detail, name="theme_detail"),
]
