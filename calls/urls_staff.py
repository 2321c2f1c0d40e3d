"""Staff back-office of calls (programme staff of the programme)."""

app_name = "calls_staff"

urlpatterns: list = []
