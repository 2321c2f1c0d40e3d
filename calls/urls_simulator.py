"""Public co-financing simulator and the staff page that states a theme's rule."""

app_name = "simulator"

urlpatterns: list = []
