import { registry } from "@web/core/registry";

// Break the glass on a phone: a nurse searches a patient of another
// department by card number, finds nothing, asks for emergency access with
// a reason and lands on the patient's page under the emergency banner.
registry.category("web_tour.tours").add("ihospital_emergency_access", {
    url: "/odoo/action-ihospital_staff.ihospital_staff_workbench_action",
    steps: () => [
        {
            content: "Search the patient by the card number in hand",
            trigger: ".o_ihospital_workbench_search",
            run: "edit T0002",
        },
        {
            content: "Not one of mine: emergency access is offered",
            trigger: ".o_ihospital_workbench_break_glass",
            run: "click",
        },
        {
            content: "The number typed is kept; say why",
            trigger: ".modal div[name=identifier] input:value(T0002)",
        },
        {
            trigger: ".modal div[name=reason] textarea",
            run: "edit 外科会诊：患者术后低钾，需查看电解质结果",
        },
        {
            trigger: ".modal div[name=reason_kind] input[data-value=consultation]",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The patient opens, under the emergency banner",
            trigger: ".o_form_view .o_ihospital_emergency_banner:visible",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input:value(Liang Wanting)",
        },
    ],
});
