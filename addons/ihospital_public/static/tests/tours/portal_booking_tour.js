import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_portal_booking", {
    steps: () => [
        {
            content: "Book the test clinic from the department page",
            trigger: ".o_ihospital_clinic[data-schedule-id] .o_ihospital_book_button[href*='/my/book/']",
            run() {
                // the test passes the clinic to book in the page's query string
                const id = new URLSearchParams(window.location.search).get("schedule");
                document
                    .querySelector(`.o_ihospital_clinic[data-schedule-id="${id}"] .o_ihospital_book_button`)
                    .click();
            },
        },
        {
            content: "Choose number 2",
            trigger: ".o_ihospital_slot:contains(No. 2)",
            run: "click",
        },
        {
            content: "Choose the parent, who already has a clinic with this doctor that day",
            trigger: ".o_ihospital_book_patients label:contains(测试长者) input",
            run: "click",
        },
        {
            trigger: "button.o_ihospital_book_confirm",
            run: "click",
        },
        {
            content: "The booking engine's rule is shown on the page",
            trigger: ".o_ihospital_error:contains(already has an appointment)",
        },
        {
            content: "The chosen number is kept",
            trigger: "input[name=slot_id][data-number='2']:checked",
        },
        {
            content: "Choose the account holder instead",
            trigger: ".o_ihospital_book_patients label:contains(陈美玲) input",
            run: "click",
        },
        {
            trigger: "button.o_ihospital_book_confirm",
            run: "click",
        },
        {
            content: "The appointment waits for payment",
            trigger: ".o_ihospital_pay",
        },
        {
            trigger: ".o_ihospital_number:contains(2)",
        },
        {
            trigger: "input[name=o_payment_radio][data-payment-method-code=demo]",
            run: "click",
        },
        {
            trigger: "input[name=customer_input]",
            run: "edit 4242424242424242",
        },
        {
            trigger: "button[name=o_payment_submit_button]:not(:disabled)",
            run: "click",
        },
        {
            content: "Back on the appointment, confirmed and paid",
            trigger: ".o_ihospital_confirmation",
            timeout: 20000,
        },
        {
            trigger: ".o_ihospital_state:contains(Booked)",
        },
        {
            trigger: ".o_ihospital_payment_state:contains(Paid)",
        },
    ],
});
