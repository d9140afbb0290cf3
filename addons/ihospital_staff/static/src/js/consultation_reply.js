/** @odoo-module **/
/* Replying to a patient's question from the phone (医患互动): text, images
 * and a voice recording, sent together by the question's action_reply,
 * which checks the files again (type by content, 5 MB each, six images).
 * A refused reply keeps what the doctor wrote, chose and recorded. */
import { Component, onWillUnmount, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { getDataURLFromFile } from "@web/core/utils/urls";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

// the server's limits (ihospital_consultation.py), told early on the phone
export const MAX_IMAGES = 6;
export const MAX_BYTES = 5 * 1024 * 1024;
const IMAGE_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
// long enough for an answer, well under 5 MB in Opus or AAC
const MAX_SECONDS = 180;
// what phone browsers record: Chrome and Firefox WebM or Ogg Opus, Safari MP4
const RECORDING_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];

function base64Of(dataUrl) {
    return dataUrl.slice(dataUrl.indexOf(",") + 1);
}

/** Records the doctor's voice with the browser's MediaRecorder. */
export class VoiceRecorder extends Component {
    static template = "ihospital_staff.VoiceRecorder";
    static props = {
        voice: { type: [Object, { value: null }], optional: true },
        onRecorded: Function,
        onCleared: Function,
        disabled: { type: Boolean, optional: true },
    };

    setup() {
        this.state = useState({ recording: false, seconds: 0, error: "" });
        onWillUnmount(() => this.stop({ discard: true }));
    }

    get supported() {
        return Boolean(window.MediaRecorder && navigator.mediaDevices?.getUserMedia);
    }

    get elapsed() {
        const seconds = this.state.seconds;
        return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    }

    async start() {
        this.state.error = "";
        if (!this.supported) {
            this.state.error = _t(
                "This browser cannot record here: voice needs a secure (https) connection and a recent browser."
            );
            return;
        }
        let stream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        } catch {
            this.state.error = _t("The microphone could not be used: allow it in the browser's settings.");
            return;
        }
        const mimeType = RECORDING_TYPES.find((type) => window.MediaRecorder.isTypeSupported(type));
        const recorder = new window.MediaRecorder(stream, mimeType ? { mimeType } : {});
        const chunks = [];
        this.discard = false;
        recorder.ondataavailable = (ev) => ev.data.size && chunks.push(ev.data);
        recorder.onstop = async () => {
            stream.getTracks().forEach((track) => track.stop());
            clearInterval(this.timer);
            this.state.recording = false;
            if (this.discard) {
                return;
            }
            const type = (recorder.mimeType || mimeType || "audio/webm").split(";")[0];
            const blob = new Blob(chunks, { type });
            if (blob.size > MAX_BYTES) {
                this.state.error = _t("The recording is larger than 5 MB: record a shorter message.");
                return;
            }
            const dataUrl = await getDataURLFromFile(blob);
            this.props.onRecorded({
                name: "voice",
                mimetype: type,
                data: base64Of(dataUrl),
                url: URL.createObjectURL(blob),
                seconds: this.state.seconds,
            });
        };
        this.recorder = recorder;
        recorder.start(1000);
        this.state.recording = true;
        this.state.seconds = 0;
        this.timer = setInterval(() => {
            this.state.seconds++;
            if (this.state.seconds >= MAX_SECONDS) {
                this.stop();
            }
        }, 1000);
    }

    stop({ discard = false } = {}) {
        this.discard = discard;
        if (this.recorder && this.recorder.state !== "inactive") {
            this.recorder.stop();
        }
        clearInterval(this.timer);
    }

    clear() {
        if (this.props.voice?.url) {
            URL.revokeObjectURL(this.props.voice.url);
        }
        this.props.onCleared();
    }
}

/** The reply composer of the staff app's question form. */
export class ConsultationReply extends Component {
    static template = "ihospital_staff.ConsultationReply";
    static components = { VoiceRecorder };
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.notification = useService("notification");
        this.fileInput = useRef("fileInput");
        this.state = useState({ body: "", images: [], voice: null, sending: false, error: "" });
    }

    get canSend() {
        const { body, images, voice, sending } = this.state;
        return !sending && Boolean(body.trim() || images.length || voice);
    }

    chooseImages() {
        this.fileInput.el.click();
    }

    async onImagesChosen(ev) {
        this.state.error = "";
        for (const file of ev.target.files) {
            if (this.state.images.length >= MAX_IMAGES) {
                this.state.error = _t("Attach at most %s images.", MAX_IMAGES);
                break;
            }
            if (!IMAGE_TYPES.includes(file.type)) {
                this.state.error = _t("%s is not an image the patient's phone can show (JPEG, PNG, GIF or WebP).", file.name);
                continue;
            }
            if (file.size > MAX_BYTES) {
                this.state.error = _t("%s is larger than 5 MB.", file.name);
                continue;
            }
            const dataUrl = await getDataURLFromFile(file);
            this.state.images.push({ name: file.name, data: base64Of(dataUrl), preview: dataUrl });
        }
        ev.target.value = "";
    }

    removeImage(index) {
        this.state.images.splice(index, 1);
    }

    onRecorded(voice) {
        this.state.voice = voice;
    }

    onVoiceCleared() {
        this.state.voice = null;
    }

    async send() {
        if (!this.canSend) {
            return;
        }
        const { body, images, voice } = this.state;
        this.state.sending = true;
        this.state.error = "";
        try {
            await this.orm.call("ihospital.consultation", "action_reply", [[this.props.record.resId]], {
                body,
                images: images.map(({ name, data }) => ({ name, data })),
                voice: voice && { name: voice.name, data: voice.data, mimetype: voice.mimetype },
            });
        } catch (error) {
            // refused (a file, a closed question): say why, keep the reply
            this.state.error = error.data?.message || error.message || _t("The answer could not be sent.");
            this.state.sending = false;
            return;
        }
        if (voice?.url) {
            URL.revokeObjectURL(voice.url);
        }
        Object.assign(this.state, { body: "", images: [], voice: null, sending: false });
        this.notification.add(_t("Your answer was sent to the patient."), { type: "success" });
        // the state, the badges and the conversation show the answer
        await this.props.record.model.load();
    }
}

registry.category("view_widgets").add("ihospital_consultation_reply", { component: ConsultationReply });
