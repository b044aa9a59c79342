// The native hash bindings, loaded on first use: a service without the password validation route (and a CLI
// that never checks a hash) starts without loading either addon. The migration plugin preloads both, so a
// broken prebuild stops start-up instead of failing a customer's first login.
import type argon2Binding from 'argon2';
import type bcryptBinding from 'bcrypt';

type Bcrypt = typeof bcryptBinding;
type Argon2 = typeof argon2Binding;

let bcrypt: Promise<Bcrypt> | undefined;
let argon2: Promise<Argon2> | undefined;

export const loadBcrypt = (): Promise<Bcrypt> => (bcrypt ??= import('bcrypt').then((module) => module.default));
export const loadArgon2 = (): Promise<Argon2> => (argon2 ??= import('argon2').then((module) => module.default));

export async function preloadNativeBindings(): Promise<void> {
  await Promise.all([loadBcrypt(), loadArgon2()]);
}
