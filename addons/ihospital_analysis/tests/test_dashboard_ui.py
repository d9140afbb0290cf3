from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestDashboardUi(HttpCase):
    """The demo director, on a phone (375 px), opens the operations
    dashboard on today, switches to this month and opens the visits behind
    the figure (demo data: ihospital.analysis.demo)."""

    browser_size = "375x667"

    def test_the_director_on_a_phone(self):
        self.start_tour(
            "/odoo/action-ihospital_analysis.ihospital_analysis_dashboard_action",
            "ihospital_analysis_dashboard",
            login="director",
        )


@tagged("post_install", "-at_install")
class TestDashboardUiDesktop(HttpCase):
    """The same on a desktop's screen."""

    browser_size = "1366x768"

    def test_the_director_on_a_desktop(self):
        self.start_tour(
            "/odoo/action-ihospital_analysis.ihospital_analysis_dashboard_action",
            "ihospital_analysis_dashboard",
            login="director",
        )
