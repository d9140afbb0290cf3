import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("ihospital_portal_queue", {
    steps: () => [
        {
            content: "Check in on the day",
            trigger: "button.o_ihospital_check_in",
            run: "click",
        },
        {
            content: "My number is the next one; three patients are ahead",
            trigger: ".o_ihospital_my_queue .o_ihospital_queue_mine:contains(4)",
        },
        {
            trigger: ".o_ihospital_my_queue .o_ihospital_queue_ahead:contains(3)",
        },
        {
            trigger: ".o_ihospital_my_queue .o_ihospital_queue_current:contains(-)",
        },
        {
            trigger: ".o_ihospital_my_queue .o_ihospital_turn_near.d-none:not(:visible)",
        },
        {
            content: "The nurse calls the next patient: the page follows without reloading",
            trigger: ".o_ihospital_my_queue .o_ihospital_queue_current:contains(1)",
            timeout: 30000,
        },
        {
            content: "Your turn is near",
            trigger: ".o_ihospital_my_queue .o_ihospital_turn_near:not(.d-none)",
        },
    ],
});
