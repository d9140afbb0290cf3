import { registry } from "@web/core/registry";

// An administrator's phone (375 px): the group SMS sent, and one's delivery report.
registry.category("web_tour.tours").add("ihospital_sms_campaign_report", {
    url: "/odoo/action-ihospital_staff.ihospital_sms_campaign_action",
    steps: () => [
        {
            content: "The group SMS are cards with their delivered and failed counts",
            trigger: ".o_kanban_view .o_kanban_record:contains(门诊楼停电通知) .fa-times-circle",
        },
        {
            content: "Open the power-cut notice",
            trigger: ".o_kanban_view .o_kanban_record:contains(门诊楼停电通知)",
            run: "click",
        },
        {
            content: "The report counts what the carrier answered",
            trigger: ".o_form_view .o_field_widget[name=report_failed]:contains(2)",
        },
        {
            content: "Each colleague with the masked mobile and the outcome",
            trigger: ".o_form_view .o_field_widget[name=recipient_ids] .o_data_row:contains(****)",
        },
        {
            content: "A sent group SMS cannot be sent again",
            trigger: ".o_form_view:not(:has(button[name=action_send]:visible))",
        },
    ],
});
