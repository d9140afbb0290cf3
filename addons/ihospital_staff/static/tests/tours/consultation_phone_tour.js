import { registry } from "@web/core/registry";

// On a phone (375 px) the form's header buttons are in the gear menu.
function openActions() {
    return {
        content: "Open the question's actions",
        trigger: ".o_control_panel .o_cp_action_menus button.dropdown-toggle",
        run: "click",
    };
}

// The doctor's phone: authorize a call on a question, then take it back;
// each button shows only when it applies.
registry.category("web_tour.tours").add("ihospital_consultation_phone", {
    url: "/odoo/action-ihospital_staff.ihospital_consultation_action_inbox",
    steps: () => [
        {
            content: "Open the question",
            trigger: ".o_kanban_record:contains(Tour phone question)",
            run: "click",
        },
        {
            trigger: ".o_ihospital_consultation_staff_form:not(:has(.o_ihospital_phone_authorized))",
        },
        openActions(),
        {
            content: "Nothing to withdraw yet",
            trigger: ".o-dropdown--menu:not(:has(button[name=action_withdraw_phone]))",
        },
        {
            content: "Authorize a call",
            trigger: ".o-dropdown--menu button[name=action_authorize_phone]:contains(Authorize a Phone Call)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The call is authorized",
            trigger: ".o_ihospital_consultation_staff_form .o_ihospital_phone_authorized",
        },
        openActions(),
        {
            content: "Already authorized: only the withdrawal is offered",
            trigger: ".o-dropdown--menu:not(:has(button[name=action_authorize_phone]))",
        },
        {
            content: "Withdraw the call",
            trigger: ".o-dropdown--menu button[name=action_withdraw_phone]:contains(Withdraw the Phone Call)",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The chatter says who withdrew the call",
            trigger: ".o-mail-Message:contains(withdrew the phone consultation)",
        },
        {
            content: "The call is withdrawn",
            trigger: ".o_ihospital_consultation_staff_form:not(:has(.o_ihospital_phone_authorized))",
        },
        openActions(),
        {
            content: "It can be authorized again",
            trigger: ".o-dropdown--menu button[name=action_authorize_phone]",
        },
        {
            trigger: ".o-dropdown--menu:not(:has(button[name=action_withdraw_phone]))",
        },
    ],
});
