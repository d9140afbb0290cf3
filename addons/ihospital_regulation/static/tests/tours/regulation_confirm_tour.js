import { registry } from "@web/core/registry";

// A nurse's phone (375 px): the regulations waiting for her confirmation,
// the critical-value procedure's text, and the Confirm button. The demo
// nurse reads Chinese: the triggers use classes, not English labels.
registry.category("web_tour.tours").add("ihospital_regulation_confirm", {
    url: "/odoo/action-ihospital_regulation.ihospital_regulation_campaign_action_to_confirm",
    steps: () => [
        {
            content: "The regulation to confirm, marked as such",
            trigger: ".o_kanban_record:not(.o_kanban_ghost):has(.o_ihospital_to_confirm):contains(危急值报告制度)",
            run: "click",
        },
        {
            content: "Its text is on the screen",
            trigger: ".o_ihospital_regulation_confirm .o_field_html:contains(10 分钟内)",
        },
        {
            content: "Confirm having read it",
            trigger: ".o_ihospital_regulation_confirm button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Confirmed: the button is gone",
            trigger: ".o_ihospital_regulation_confirm .alert-success:not(:has(button[name=action_confirm]))",
        },
        {
            trigger: ".o_ihospital_regulation_confirm:not(:has(button[name=action_confirm]))",
        },
    ],
});
