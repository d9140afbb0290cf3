import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_consultation_ask_tour", {
    steps: () => [
        {
            content: "Ask this doctor, from the doctor's public page",
            trigger: "a[href*='/my/consultations/new?doctor=']",
            run: "click",
        },
        {
            content: "The form comes with the doctor chosen on the doctor's page",
            trigger: "form.o_ihospital_consultation_form",
        },
        {
            content: "The doctor of the link is chosen",
            trigger: "select[name='doctor_id']",
            run() {
                const select = document.querySelector("select[name='doctor_id']");
                if (!select.value) {
                    console.error(`No doctor chosen: ${select.outerHTML.slice(0, 300)}`);
                }
            },
        },
        {
            content: "Subject",
            trigger: "input[name='subject']",
            run: "edit Tour cough question",
        },
        {
            content: "Question",
            trigger: "textarea[name='question']",
            run: "edit My child has coughed for three days. Should we come?",
        },
        {
            trigger: "button.o_ihospital_consultation_submit",
            run: "click",
        },
        {
            content: "The question waits for the doctor",
            trigger: ".o_ihospital_consultation h3:contains('Tour cough question')",
        },
        {
            content: "Waiting for the doctor",
            trigger: ".o_ihospital_consultation_state.text-bg-warning",
        },
    ],
});

registry.category("web_tour.tours").add("ihospital_consultation_rate_tour", {
    steps: () => [
        {
            content: "The doctor's answer is in the thread",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('Come tomorrow morning')",
        },
        {
            content: "Five stars",
            trigger: ".o_ihospital_rate_form label[for='rating_5']",
            run: "click",
        },
        {
            content: "A comment",
            trigger: ".o_ihospital_rate_form textarea[name='feedback']",
            run: "edit Thank you, doctor",
        },
        {
            trigger: "button.o_ihospital_rate_submit",
            run: "click",
        },
        {
            content: "Closed with the rating",
            trigger: ".o_ihospital_consultation .alert-success:contains('5 / 5')",
        },
    ],
});

registry.category("web_tour.tours").add("ihospital_consultation_voice_tour", {
    steps: () => [
        {
            content: "The doctor's answer is in the thread",
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('Listen to my answer')",
        },
        {
            content: "Its voice recording plays in the page, through the attachment's token",
            trigger: "#chatterRoot:shadow .o-mail-Message audio.o_ihospital_voice[src*='access_token=']",
        },
        {
            content: "The internal note is not in the patient's thread",
            trigger: "#chatterRoot:shadow .o-mail-Thread:not(:contains('Internal: check the ECG'))",
        },
    ],
});
