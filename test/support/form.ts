/**
 * Fills in an n8n form over HTTP the way the form page's script does: GET the form, POST its
 * fields as multipart (`field-0`, `field-1`, ...), follow the `formWaitingUrl` n8n answers with
 * until the execution waits on its next form page, then GET that page (a Form Ending's completion
 * page here).
 */
import { sleep } from './real-n8n';

export interface FormResult {
	/** The field names the form page offered, in order. */
	fields: string[];
	/** The completion page: its HTML, its heading and its text without tags. */
	html: string;
	title: string;
	text: string;
	/** Every link on the completion page, entities decoded. */
	links: string[];
}

const decode = (text: string) =>
	text
		.replace(/&amp;/g, '&')
		.replace(/&quot;/g, '"')
		.replace(/&#39;/g, "'");

export async function submitForm(
	baseUrl: string,
	formPath: string,
	values: string[],
	timeoutMs = 60_000,
): Promise<FormResult> {
	const deadline = Date.now() + timeoutMs;
	// Activation registers the form asynchronously: 404 until then.
	let page = await fetch(`${baseUrl}/form/${formPath}`);
	while (page.status === 404 && Date.now() < deadline) {
		await sleep(250);
		page = await fetch(`${baseUrl}/form/${formPath}`);
	}
	const form = await page.text();
	if (page.status !== 200) throw new Error(`GET form ${formPath}: ${page.status}`);
	const fields = [...form.matchAll(/name=['"](field-\d+)['"]/g)].map((m) => m[1]);

	const body = new FormData();
	values.forEach((value, i) => body.append(`field-${i}`, value));
	const posted = await fetch(`${baseUrl}/form/${formPath}`, { method: 'POST', body });
	const answer = (await posted.json()) as { formWaitingUrl?: string };
	if (!answer.formWaitingUrl) throw new Error(`POST form ${formPath}: ${JSON.stringify(answer)}`);

	const waiting = new URL(answer.formWaitingUrl);
	const status = new URL(waiting);
	status.pathname += '/n8n-execution-status';
	for (;;) {
		const state = (await (await fetch(status)).text()).trim();
		if (state === 'form-waiting') break;
		if (Date.now() > deadline) throw new Error(`form ${formPath}: still "${state}"`);
		await sleep(250);
	}
	const html = await (await fetch(waiting)).text();
	const visible = html.replace(/<(style|script)[\s\S]*?<\/\1>/g, '');
	return {
		fields,
		html,
		title: decode(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(visible)?.[1]?.trim() ?? ''),
		text: decode(
			visible
				.replace(/<[^>]+>/g, ' ')
				.replace(/\s+/g, ' ')
				.trim(),
		),
		links: [...html.matchAll(/href=["']([^"']+)["']/g)].map((m) => decode(m[1])),
	};
}
