import { registry } from "@web/core/registry";

function checkFits() {
    const content = document.querySelector(".o_ihospital_followup_results .o_content") || document.body;
    const overflow = [...document.querySelectorAll(".o_ihospital_followup_results .o_content *")].filter(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(".overflow-auto, .table-responsive")
    );
    if (content.scrollWidth > content.clientWidth + 1 || overflow.length) {
        throw new Error(`Wider than the screen: ${overflow.map((el) => el.className).join(", ")}`);
    }
}

// The demo director on a phone (375 px): the satisfaction by doctor of the
// last three months (demo answers), then one doctor's.
registry.category("web_tour.tours").add("ihospital_followup_results", {
    steps: () => [
        {
            content: "The last three months' satisfaction of the hospital",
            trigger: ".o_ihospital_period.active[data-period=quarter]",
        },
        {
            trigger: ".o_ihospital_fr_figure[data-figure=score] .o_ihospital_fr_value",
            run() {
                if (!/\d/.test(this.anchor.textContent)) {
                    throw new Error(`No satisfaction score: ${this.anchor.textContent}`);
                }
                checkFits();
            },
        },
        {
            content: "The answers to each question and the comments",
            trigger: ".o_ihospital_fr_question",
        },
        {
            trigger: ".o_ihospital_fr_comment",
        },
        {
            content: "One doctor",
            trigger: "select.o_ihospital_fr_doctor",
            run: "selectByIndex 1",
        },
        {
            content: "The doctor's figures and consultation ratings",
            trigger: ".o_ihospital_followup_results:not(:has(.fa-spinner)) .o_ihospital_fr_ratings",
            run() {
                if (!document.querySelector("select.o_ihospital_fr_doctor").value) {
                    throw new Error("No doctor chosen");
                }
                checkFits();
            },
        },
        {
            content: "Chosen dates start from the period shown",
            trigger: ".o_ihospital_period[data-period=custom]",
            run: "click",
        },
        {
            trigger: "input.o_ihospital_period_from",
            run() {
                if (!/^\d{4}-\d{2}-\d{2}$/.test(this.anchor.value)) {
                    throw new Error(`The custom period does not start from the dates shown: ${this.anchor.value}`);
                }
                checkFits();
            },
        },
    ],
});
