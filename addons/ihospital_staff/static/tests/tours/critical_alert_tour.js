import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_staff_acknowledge_critical", {
    url: "/odoo/action-ihospital_staff.ihospital_critical_alert_action_mine",
    steps: () => [
        {
            content: "The alert waits on the phone, with a badge in the top bar",
            trigger: ".o_ihospital_critical_count:contains(1)",
        },
        {
            trigger: ".o_kanban_record:contains(Potassium):contains(6.8) button[name=action_open_acknowledge]",
            run: "click",
        },
        {
            content: "A wrong read-back is refused",
            trigger: ".modal .o_field_widget[name=readback_number] input",
            run: "edit 8.6",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: ".modal .alert-danger:contains(not the reported value)",
        },
        {
            content: "The value as reported acknowledges it",
            trigger: ".modal .o_field_widget[name=readback_number] input",
            run: "edit 6.8",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Nothing left to acknowledge",
            trigger: "body:not(:has(.o_ihospital_critical_count))",
        },
    ],
});
