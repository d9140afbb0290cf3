import { registry } from "@web/core/registry";

function checkFits() {
    const root = document.documentElement;
    const overflow = [...document.querySelectorAll(".o_survey_form *, .o_survey_wrap *")].filter(
        (el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest(".overflow-auto")
    );
    if (root.scrollWidth > window.innerWidth + 1 || overflow.length) {
        throw new Error(`Wider than the screen: ${overflow.map((el) => el.className).join(", ")}`);
    }
}

// A patient on a phone (375 px) opens the personal link of the follow-up
// survey (no login), scores the treating doctor, leaves a comment and
// submits (the test opens the link and checks the answer).
registry.category("web_tour.tours").add("ihospital_followup_survey", {
    steps: () => [
        {
            content: "The survey of the visit opens from the personal link",
            trigger: "button.btn:contains(Start)",
            run() {
                checkFits();
                this.anchor.click();
            },
        },
        {
            content: "Five points for the doctor's attitude",
            trigger: "div.js_question-wrapper:contains(Attitude) label:contains(5 stars)",
            run: "click",
        },
        {
            content: "Two points for the explanations",
            trigger: "div.js_question-wrapper:contains(Explanations) label:contains(2 stars)",
            run: "click",
        },
        {
            content: "No complaint",
            trigger: "div.js_question-wrapper:contains(Complaint) label:contains(No)",
            run: "click",
        },
        {
            content: "A comment",
            trigger: "div.js_question-wrapper:contains(Comments) textarea",
            run: "edit 医生解释得不够清楚",
        },
        {
            content: "The page fits the phone's width",
            trigger: "button[value=finish]",
            run() {
                checkFits();
                this.anchor.click();
            },
        },
        {
            content: "Thanks",
            trigger: ".o_survey_finished, h1:contains(Thank you)",
        },
    ],
});
