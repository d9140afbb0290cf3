import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_base_register_patient", {
    url: "/odoo/action-ihospital_base.ihospital_patient_action",
    steps: () => [
        {
            content: "Register a new patient",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit 梁婉婷",
        },
        {
            content: "A wrong check digit is refused with a clear message",
            trigger: ".o_field_widget[name=id_number] input",
            run: "edit 440115199007082621",
        },
        {
            trigger: ".o_field_widget[name=phone] input",
            run: "edit 13912345678",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_notification:contains(check digit is wrong), .modal:contains(check digit is wrong)",
        },
        {
            trigger: ".modal .btn-primary, .o_notification_close",
            run: "click",
        },
        {
            content: "The right number saves and derives birth date and gender",
            trigger: ".o_field_widget[name=id_number] input",
            run: "edit 440115199007082620",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_saved",
        },
        {
            trigger: ".o_field_widget[name=birth_date]:contains(1990)",
        },
        {
            trigger: ".o_field_widget[name=gender]:contains(Female)",
        },
    ],
});
