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
        {
            content: "An outpatient: the doctor opens the alert to decide whether to call the patient",
            trigger: ".o_kanban_record:contains(Potassium) .fw-bold",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name=action_contact_patient]",
            run: "click",
        },
        {
            content: "The patient's phone, one tap to call",
            trigger: ".modal .o_field_widget[name=phone] a[href^='tel:']",
        },
        {
            trigger: ".modal button[name=action_patient_notified]",
            run: "click",
        },
        {
            content: "The handling form comes with 'patient notified' chosen",
            trigger: ".modal .o_field_widget[name=kind] input[data-value=patient_notified]:checked",
        },
        {
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit 已电话通知患者返院复查",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Handled: what was done is on the alert",
            trigger: "body:not(:has(.modal)) .o_field_widget[name=handling_summary]:contains(已电话通知患者返院复查)",
        },
    ],
});
