import { registry } from "@web/core/registry";

// A nurse's phone (375 px): who is on duty now, and tap to call.
registry.category("web_tour.tours").add("ihospital_staff_on_duty", {
    url: "/odoo/action-ihospital_staff.ihospital_duty_shift_action_on_duty",
    steps: () => [
        {
            content: "The on-duty staff are cards with a number to tap",
            trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost) a[href^='tel:']",
        },
        {
            content: "The hospital posts are there too",
            trigger: ".o_kanban_view .o_kanban_record .o_ihospital_hospital_post",
        },
        {
            content: "Open a card",
            trigger: ".o_kanban_view .o_kanban_record:not(.o_kanban_ghost) .o_ihospital_duty_name",
            run: "click",
        },
        {
            content: "The form has the number to call and nothing to save: nurses read the roster",
            trigger: ".o_form_view .o_field_widget[name=duty_phone] a[href^='tel:']",
        },
        {
            trigger: ".o_form_view:not(:has(.o_form_button_save:visible))",
        },
    ],
});
