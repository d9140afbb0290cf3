import { registry } from "@web/core/registry";

function fitsThePhone() {
    const root = document.documentElement;
    if (window.innerWidth !== 375) {
        throw new Error(`the viewport is ${window.innerWidth} px wide`);
    }
    if (root.scrollWidth > root.clientWidth) {
        throw new Error(`the page is ${root.scrollWidth} px wide for ${root.clientWidth} px`);
    }
}

registry.category("web_tour.tours").add("ihospital_base_inpatients_on_a_phone", {
    url: "/odoo/action-ihospital_base.ihospital_admission_action",
    steps: () => [
        {
            content: "The bed doctor's inpatients are cards on a phone",
            trigger: ".o_kanban_record:contains(心内科一病区)",
            run: fitsThePhone,
        },
        {
            content: "Only my patients",
            trigger: ".o_kanban_view",
            run() {
                const cards = document.querySelectorAll(".o_kanban_record:not(.o_kanban_ghost)");
                if (!cards.length) {
                    throw new Error("no inpatient card");
                }
            },
        },
        {
            content: "Open the myocardial infarction",
            trigger: ".o_kanban_record:contains(急性前壁心肌梗死)",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=bed]",
            run: fitsThePhone,
        },
        {
            content: "Where the patient came from: the emergency department",
            trigger: ".o_field_widget[name=transfer_ids] .o_data_row:contains(抢3), .o_field_widget[name=transfer_ids] .o_kanban_record:contains(抢3)",
        },
        {
            content: "The administrator's buttons are not the doctor's",
            trigger: ".o_form_view:not(:has(button[name=action_discharge]))",
        },
    ],
});
