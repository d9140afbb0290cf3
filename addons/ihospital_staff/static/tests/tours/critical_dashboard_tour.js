import { registry } from "@web/core/registry";

// A quality officer's phone (375 px): the supervision of critical values
// shows the demo hospital's figures, and a figure opens its alerts down to
// an alert's trail.
registry.category("web_tour.tours").add("ihospital_staff_critical_dashboard", {
    url: "/odoo/action-ihospital_staff.ihospital_critical_dashboard_action",
    steps: () => [
        {
            content: "The critical values of the last 30 days are counted",
            trigger: ".o_ihospital_cd_figure[data-figure=count] .o_ihospital_cd_value",
            run() {
                if (!(parseInt(this.anchor.textContent) > 0)) {
                    throw new Error(`No critical value counted: ${this.anchor.textContent}`);
                }
            },
        },
        {
            content: "Escalations are counted too",
            trigger: ".o_ihospital_cd_figure[data-figure=escalated] .o_ihospital_cd_value",
            run() {
                if (!(parseInt(this.anchor.textContent) > 0)) {
                    throw new Error(`No escalation counted: ${this.anchor.textContent}`);
                }
            },
        },
        {
            content: "The charts are drawn and the departments listed",
            trigger: ".o_ihospital_cd_departments .o_ihospital_cd_row",
        },
        {
            trigger: "canvas.o_ihospital_cd_day_chart",
        },
        {
            content: "Nothing is wider than the phone",
            trigger: ".o_ihospital_critical_dashboard",
            run() {
                const content = this.anchor.querySelector(".o_content");
                const overflow = [...this.anchor.querySelectorAll(".o_content *")].filter(
                    (el) => el.getBoundingClientRect().right > window.innerWidth + 1
                );
                if (content.scrollWidth > content.clientWidth + 1 || overflow.length) {
                    throw new Error(`Wider than the screen: ${overflow.map((el) => el.className).join(", ")}`);
                }
            },
        },
        {
            content: "Open the escalated alerts",
            trigger: ".o_ihospital_cd_figure[data-figure=escalated]",
            run: "click",
        },
        {
            content: "Open one of them that is closed (greyed in the list)",
            trigger: ".o_data_row.text-muted [name=item], .o_kanban_record:not(.o_kanban_ghost) [name=item]",
            run: "click",
        },
        {
            content: "Its trail: detected, who was told, the escalation, who acknowledged, handled and closed it",
            trigger: ".o_form_view .o_field_widget[name=event_ids] .o_data_row:nth-child(8)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=escalation_count]",
            run() {
                if (!(parseInt(this.anchor.textContent) > 0)) {
                    throw new Error("The alert opened from Escalated was not escalated");
                }
            },
        },
    ],
});
