import { registry } from "@web/core/registry";

function checkFits() {
    const content = this.anchor.querySelector(".o_content");
    const overflow = [...this.anchor.querySelectorAll(".o_content *")].filter(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(".overflow-auto")
    );
    if (content.scrollWidth > content.clientWidth + 1 || overflow.length) {
        throw new Error(`Wider than the screen: ${overflow.map((el) => el.className).join(", ")}`);
    }
}

// The director's phone (375 px): the operations dashboard opens on today,
// switches to this month, shows the charts, the workload and the cameras,
// and a figure opens the visits it counts.
registry.category("web_tour.tours").add("ihospital_analysis_dashboard", {
    url: "/odoo/action-ihospital_analysis.ihospital_analysis_dashboard_action",
    steps: () => [
        {
            content: "The dashboard opens on today, for the whole hospital",
            trigger: ".o_ihospital_period.active[data-period=today]",
        },
        {
            trigger: ".o_ihospital_ad_section[data-section=outpatient] .o_ihospital_ad_figure[data-figure=visits]",
        },
        {
            content: "Switch to this month",
            trigger: ".o_ihospital_period[data-period=month]",
            run: "click",
        },
        {
            content: "This month's visits are counted",
            trigger:
                ".o_ihospital_analysis_dashboard:has(.o_ihospital_period.active[data-period=month]):not(:has(.o_ihospital_ad_loading)) .o_ihospital_ad_figure[data-figure=visits] .o_ihospital_ad_value",
            run() {
                const value = this.anchor.textContent;
                if (!(parseInt(value.replace(/\D/g, "")) > 0)) {
                    throw new Error(`No visit counted this month: ${value}`);
                }
            },
        },
        {
            content: "The export gives the same period",
            trigger: ".o_ihospital_ad_export[href*='period=month']",
        },
        {
            content: "The trend and the charges by class are drawn",
            trigger: "canvas.o_ihospital_ad_trend_chart",
        },
        {
            trigger: "canvas.o_ihospital_ad_charges_chart",
        },
        {
            content: "The doctors' workload is listed",
            trigger: ".o_ihospital_ad_workload .o_ihospital_ad_workload_row",
        },
        {
            content: "The director's cameras are offered",
            trigger: ".o_ihospital_ad_cameras a.o_ihospital_ad_camera[href^='/ihospital/camera/']",
        },
        {
            content: "Nothing is wider than the phone",
            trigger: ".o_ihospital_analysis_dashboard",
            run: checkFits,
        },
        {
            content: "Open the visits behind the figure",
            trigger: ".o_ihospital_ad_figure.o_ihospital_ad_drill[data-figure=visits]",
            run: "click",
        },
        {
            content: "The visits of the month are listed",
            trigger: ".o_list_view .o_data_row, .o_kanban_view .o_kanban_record:not(.o_kanban_ghost)",
        },
        {
            content: "Back to the dashboard through the breadcrumb",
            trigger: ".o_breadcrumb .o_back_button, .o_breadcrumb a",
            run: "click",
        },
        {
            trigger: ".o_ihospital_ad_figure[data-figure=visits]",
        },
    ],
});
