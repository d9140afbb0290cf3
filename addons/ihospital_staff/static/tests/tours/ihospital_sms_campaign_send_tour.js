import { registry } from "@web/core/registry";

// A department head's phone (375 px): a group SMS to his department, checked in
// the preview (recipients and billed messages), then sent.
registry.category("web_tour.tours").add("ihospital_sms_campaign_send", {
    url: "/odoo/action-ihospital_staff.ihospital_sms_campaign_action",
    steps: () => [
        {
            content: "Write a new group SMS",
            trigger: ".o_control_panel button.o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit 心内科业务学习通知",
        },
        {
            content: "The hospital's approved template (a phone picks it from a list)",
            trigger: ".o_form_view .o_field_widget[name=template_id] input",
            run: "click",
        },
        {
            trigger: ".modal .o_kanban_record:contains(院周会通知)",
            run: "click",
        },
        {
            content: "To his whole department",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=department_ids] input",
            run: "click",
        },
        {
            trigger: ".modal .o_kanban_record:contains(心血管内科)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=department_ids] .o_tag:contains(心血管内科)",
        },
        {
            content: "The template's values: the time...",
            trigger: ".o_field_widget[name=value_ids] .o_data_row:has(.o_data_cell[name=name]:contains(time)) .o_data_cell[name=value]",
            run: "click",
        },
        {
            trigger:
                ".o_field_widget[name=value_ids] .o_selected_row:has(.o_data_cell[name=name]:contains(time)) .o_field_widget[name=value] input",
            run: "edit 周四17:30",
        },
        {
            content: "... and the place",
            trigger: ".o_field_widget[name=value_ids] .o_data_row:has(.o_data_cell[name=name]:contains(place)) .o_data_cell[name=value]",
            run: "click",
        },
        {
            trigger:
                ".o_field_widget[name=value_ids] .o_selected_row:has(.o_data_cell[name=name]:contains(place)) .o_field_widget[name=value] input",
            run: "edit 心内科示教室",
        },
        {
            content: "Nothing left to fill in",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "click",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=missing_variables]:visible))",
        },
        {
            content: "The preview: the text as it arrives...",
            trigger: ".o_form_view .o_field_widget[name=preview_body]:contains(心内科示教室)",
        },
        {
            content: "... to the six colleagues of the department, one message each",
            trigger: ".o_form_view .o_field_widget[name=recipient_count]:contains(6)",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=message_count]:contains(6)",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved as a draft",
            trigger: "body:not(:has(.modal)):not(:has(.o_form_button_save:visible))",
        },
        {
            content: "Send (a phone keeps the form's buttons in the gear menu)",
            trigger: ".o_control_panel .o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu button[name=action_send]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Queued: the delivery report lists the colleagues with their masked mobiles",
            trigger: "body:not(:has(.modal)) .o_form_view .o_field_widget[name=recipient_ids] .o_data_row:contains(****)",
        },
        {
            trigger: ".o_form_view:not(:has(.o_field_widget[name=preview_body]:visible))",
        },
    ],
});
