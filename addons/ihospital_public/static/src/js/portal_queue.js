import publicWidget from "@web/legacy/js/public/public_widget";

/**
 * My queue: follows the clinic's queue channel on the bus (the same
 * notifications as the waiting-room screen) and, on every update, reads the
 * patient's own place again. A slow refresh covers a lost connection.
 */
publicWidget.registry.IhospitalMyQueue = publicWidget.Widget.extend({
    selector: ".o_ihospital_my_queue",

    start() {
        this.queueUrl = this.el.dataset.queueUrl;
        this.bus = this.bindService("bus_service");
        this.bus.subscribe("ihospital_queue/update", (payload) => {
            if (String(payload.schedule_id) === this.el.dataset.scheduleId) {
                this._refresh();
            }
        });
        // read the queue once subscribed: an update sent while the page was
        // loading is not replayed by the bus
        this.bus
            .addChannel(`ihospital_queue_schedule_${this.el.dataset.scheduleId}`)
            .then(() => this._refresh());
        this.timer = setInterval(() => this._refresh(), 60000);
        return this._super(...arguments);
    },

    destroy() {
        clearInterval(this.timer);
        this._super(...arguments);
    },

    async _refresh() {
        const response = await fetch(this.queueUrl, { headers: { Accept: "application/json" } });
        if (!response.ok) {
            return;
        }
        const state = await response.json();
        if (!["checked_in", "in_consultation"].includes(state.state)) {
            // consultation over or cancelled: show the appointment as it is now
            window.location.reload();
            return;
        }
        const set = (selector, value) => {
            this.el.querySelector(selector).textContent = value;
        };
        set(".o_ihospital_queue_current", state.current_number || "-");
        set(".o_ihospital_queue_mine", state.my_number);
        set(".o_ihospital_queue_ahead", state.people_ahead);
        set(".o_ihospital_queue_wait", state.wait_minutes);
        if (state.room) {
            set(".o_ihospital_queue_room", state.room);
        }
        this.el.querySelector(".o_ihospital_turn_near").classList.toggle("d-none", !state.turn_near);
        this.el.querySelector(".o_ihospital_your_turn").classList.toggle("d-none", !state.called);
    },
});
