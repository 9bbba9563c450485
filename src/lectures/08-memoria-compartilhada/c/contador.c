/* A corrida da aula: N processos somam 1 a um contador numa memória compartilhada.
 * Uso: contador NOME_MC NOME_SEM PROCESSOS INCREMENTOS COM_SEMAFORO(0|1)
 * Os filhos esperam uma largada (para correrem juntos); cada um faz INCREMENTOS vezes: lê o contador,
 * soma 1, escreve — entre sem_wait e sem_post quando COM_SEMAFORO é 1.
 * O pai espera todos e imprime: esperado, contador, perdidos e o tempo. */
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
    if (argc != 6) {
        fprintf(stderr, "uso: %s NOME_MC NOME_SEM PROCESSOS INCREMENTOS COM_SEMAFORO\n", argv[0]);
        return 2;
    }
    int processos = atoi(argv[3]);
    long incrementos = atol(argv[4]);
    int com_semaforo = atoi(argv[5]);

    int fd = shm_open(argv[1], O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) { perror("shm_open"); return 1; }
    ftruncate(fd, 2 * sizeof(long));             /* [0] o contador, [1] a largada */
    volatile long *mc = mmap(NULL, 2 * sizeof(long), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (mc == MAP_FAILED) { perror("mmap"); return 1; }
    volatile long *contador = &mc[0], *largada = &mc[1];
    close(fd);
    sem_t *mutex = sem_open(argv[2], O_CREAT | O_EXCL, 0600, 1);   /* valor 1: um mutex */
    if (mutex == SEM_FAILED) { perror("sem_open"); shm_unlink(argv[1]); return 1; }
    *contador = 0;
    *largada = 0;

    struct timespec t0, t1;
    for (int p = 0; p < processos; p++) {
        if (fork() == 0) {                       /* filho: herda o mapeamento e o semáforo */
            while (!*largada)
                ;                                /* espera a largada */
            for (long i = 0; i < incrementos; i++) {
                if (com_semaforo) sem_wait(mutex);
                long v = *contador;              /* lê */
                *contador = v + 1;               /* soma 1 e escreve */
                if (com_semaforo) sem_post(mutex);
            }
            _exit(0);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *largada = 1;                                /* todos os filhos partem juntos */
    while (wait(NULL) > 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long esperado = processos * incrementos;
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("%s esperado=%ld contador=%ld perdidos=%ld ms=%.1f\n",
           com_semaforo ? "com-semaforo" : "sem-semaforo", esperado, *contador, esperado - *contador, ms);

    munmap((void *) mc, 2 * sizeof(long));
    sem_close(mutex);
    sem_unlink(argv[2]);                         /* remove os nomes: nada fica em /dev/shm */
    shm_unlink(argv[1]);
    return 0;
}
